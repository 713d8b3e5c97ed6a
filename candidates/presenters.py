"""What a candidate may see of their session, as plain data for the API and the pages.

Never includes which choices are keys, rationales or explanations; a score only after the
session is finished and only when the published version allows it.
"""

from datetime import datetime

from candidates.models import TestSession
from candidates.selectors import responses_for_session, session_items_for_candidate
from questionbank.selectors import questions_for_candidates


def remaining_seconds(session: TestSession, now: datetime) -> float:
    """Seconds until the deadline (not the grace period), never negative; 0 once finished."""
    if not session.is_open:
        return 0.0
    return seconds_until(session.deadline, now)


def seconds_until(deadline: datetime, now: datetime) -> float:
    """Seconds from ``now`` to ``deadline`` to the millisecond, never negative."""
    return max(0.0, round((deadline - now).total_seconds(), 3))


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
    """The questions as the candidate sees them, with their saved answers (two queries, four the
    first time a process meets these question versions; none for a session just started, which
    carries its ``drawn_items``).

    Shape: ``[{"id", "position", "section", "kind", "points", "stem_html",
    "choices": [{"id", "html"}], "response": {"selected", "seq", "saved_at"} | None}]``.
    """
    rows = getattr(session, "drawn_items", None)
    if rows is None:
        responses = responses_for_session(session=session)
        rows = session_items_for_candidate(session=session)
    else:
        responses = {}  # a session just started (``services.session_start``) has no responses yet
    questions = questions_for_candidates(row[0] for row in rows)
    items = []
    for question_id, position, section, points, choice_order in rows:
        question = questions[question_id]
        html = {c.pk: c.html for c in question.choices}
        response = responses.get(question_id)
        items.append({
            "id": question_id,
            "position": position,
            "section": section,
            "kind": question.kind,
            "points": points,
            "stem_html": question.stem_html,
            "choices": [{"id": cid, "html": html[cid]} for cid in choice_order],
            "response": (
                {"selected": response.selected, "text": response.text, "seq": response.seq,
                 "saved_at": response.saved_at}
                if response else None
            ),
        })
    return items
