"""The integrity summary a recruiter reads next to a result: signals for a human, never a verdict."""

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from candidates.models import IntegrityEvent, Response, TestSession
from candidates.reports import ScoredQuestion

NOTE = (
    "These are signals for a human reviewer, not evidence of cheating: people switch windows, "
    "paste their own notes and answer questions they know quickly."
)


def answer_seconds(started_at: datetime, first_answers: Iterable[tuple[datetime, int]]) -> dict[int, float]:
    """Seconds each question took: from the candidate's previous first answer (or the start) to this
    question's first answer. ``first_answers`` are ``(first_saved_at, question_id)`` pairs in any order;
    on a page showing every question this gap is the closest server-side measure of reading time."""
    seconds, previous = {}, started_at
    for first_saved_at, question_id in sorted(first_answers):
        seconds[question_id] = (first_saved_at - previous).total_seconds()
        previous = first_saved_at
    return seconds


def integrity_summary(*, session: TestSession, scored: list[ScoredQuestion] | None = None) -> dict:
    """Counts per signal, client changes and fast answers of one session (two queries).

    Shape: ``{"note", "events": {label: count}, "client_changes": int, "addresses": [ip],
    "fast_answers": int, "fast_correct": int | None, "fast_positions": [int], "threshold_seconds": int}``.
    A fast answer is a question that took (``answer_seconds``) less than the template's
    ``fast_answer_threshold`` seconds.
    """
    events = list(IntegrityEvent.objects.filter(session=session).values_list("kind", "ip"))
    counts = Counter(kind for kind, _ in events)
    addresses = sorted({ip for _, ip in events if ip} | ({session.client_ip} if session.client_ip else set()))
    threshold = session.published_version.fast_answer_threshold
    gaps = answer_seconds(
        session.started_at,
        ((first, qid) for qid, first in Response.objects.filter(session=session).values_list("question_id",
                                                                                             "first_saved_at")),
    )
    fast = [qid for qid, seconds in gaps.items() if seconds < threshold]
    by_question = {s.score.question_id: s for s in scored or []}
    return {
        "note": NOTE,
        "events": {
            kind.label: counts.get(kind.value, 0)
            for kind in IntegrityEvent.Kind if kind != IntegrityEvent.Kind.CLIENT_CHANGED
        },
        "client_changes": counts.get(IntegrityEvent.Kind.CLIENT_CHANGED, 0),
        "addresses": addresses,
        "fast_answers": len(fast),
        "fast_correct": sum(1 for q in fast if q in by_question and by_question[q].score.correct) if scored else None,
        "fast_positions": sorted(by_question[q].session_question.position for q in fast if q in by_question),
        "threshold_seconds": threshold,
    }
