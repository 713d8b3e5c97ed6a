"""What a candidate may see of their session, as plain data for the API and the pages.

Never includes which choices are keys, rationales or explanations; a score only after the
session is finished and only when the published version allows it.
"""

from datetime import datetime

from candidates.models import TestSession
from candidates.selectors import responses_for_session, session_questions_for_candidate
from questionbank.rendering import render_inline_markdown, render_markdown


def remaining_seconds(session: TestSession, now: datetime) -> float:
    """Seconds until the deadline (not the grace period), never negative; 0 once finished."""
    if not session.is_open:
        return 0.0
    return max(0.0, round((session.deadline - now).total_seconds(), 3))


def session_state(session: TestSession, *, now: datetime) -> dict:
    """Status and timing: ``{"status", "started_at", "deadline", "server_now", "remaining_seconds", ...}``."""
    version = session.published_version
    state = {
        "status": session.status,
        "title": version.title,
        "started_at": session.started_at,
        "deadline": session.deadline,
        "server_now": now,
        "remaining_seconds": remaining_seconds(session, now),
        "finished_at": session.finished_at,
    }
    if not session.is_open and version.show_score_to_candidate and session.percent_score is not None:
        state["score"] = {
            "raw_score": session.raw_score, "max_score": session.max_score,
            "percent_score": session.percent_score, "passed": session.passed,
        }
    return state


def session_questions(session: TestSession) -> list[dict]:
    """The questions as the candidate sees them, with their saved answers (three queries).

    Shape: ``[{"id", "position", "section", "kind", "points", "stem_html",
    "choices": [{"id", "html"}], "response": {"selected", "seq", "saved_at"} | None}]``.
    """
    responses = responses_for_session(session=session)
    items = []
    for sq in session_questions_for_candidate(session=session):
        question = sq.question
        by_id = {c.pk: c for c in question.choices.all()}
        response = responses.get(question.pk)
        items.append({
            "id": question.pk,
            "position": sq.position,
            "section": sq.section_title,
            "kind": question.kind,
            "points": sq.points,
            "stem_html": render_markdown(question.stem),
            "choices": [{"id": cid, "html": render_inline_markdown(by_id[cid].text)} for cid in sq.choice_order],
            "response": (
                {"selected": response.selected, "text": response.text, "seq": response.seq,
                 "saved_at": response.saved_at}
                if response else None
            ),
        })
    return items
