"""The integrity summary a recruiter reads next to a result: signals for a human, never a verdict."""

from collections import Counter

from candidates.models import IntegrityEvent, Response, TestSession
from candidates.reports import ScoredQuestion

NOTE = (
    "These are signals for a human reviewer, not evidence of cheating: people switch windows, "
    "paste their own notes and answer questions they know quickly."
)


def integrity_summary(*, session: TestSession, scored: list[ScoredQuestion] | None = None) -> dict:
    """Counts per signal, client changes and fast answers of one session (two queries).

    Shape: ``{"note", "events": {label: count}, "client_changes": int, "addresses": [ip],
    "fast_answers": int, "fast_correct": int | None, "fast_positions": [int], "threshold_seconds": int}``.
    A fast answer is a question whose first answer came less than the template's
    ``fast_answer_threshold`` seconds after the candidate's previous first answer (or the start):
    on a page showing every question this gap is the closest server-side measure of reading time.
    """
    events = list(IntegrityEvent.objects.filter(session=session).values_list("kind", "ip"))
    counts = Counter(kind for kind, _ in events)
    addresses = sorted({ip for _, ip in events if ip} | ({session.client_ip} if session.client_ip else set()))
    threshold = session.published_version.fast_answer_threshold
    previous = session.started_at
    fast: list[int] = []
    for question_id, first_saved_at in (
        Response.objects.filter(session=session).order_by("first_saved_at").values_list("question_id", "first_saved_at")
    ):
        if (first_saved_at - previous).total_seconds() < threshold:
            fast.append(question_id)
        previous = first_saved_at
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
