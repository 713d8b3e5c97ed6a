"""Reads behind the results table of a published version and the candidate report.

The table stays cheap at thousands of test sessions: one query for the version's finished percent
scores (percentiles are then two bisections per row, ``candidates.percentiles``), one for the rows
with their integrity counts as correlated subqueries (no N+1), one ``COUNT`` when paginated.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from assessments.models import InterviewKitVersion, PublishedVersion
from candidates.enums import SessionStatus
from candidates.integrity import answer_seconds, integrity_summary
from candidates.models import IntegrityEvent, Response, TestSession
from candidates.percentiles import percentile_rank
from candidates.reports import report_email_state, session_score, session_time_used
from candidates.score_bands import score_band
from candidates.scorecards import interview_report

FINISHED = "finished"  # status filter: submitted or timed out
STATUS_FILTERS = {s.value: s.label for s in SessionStatus} | {FINISHED: "Finished (submitted or timed out)"}
OUTCOME_FILTERS = {"passed": "Passed", "failed": "Failed"}
SEARCH_MAX = 200

# Sortable columns: key -> (label, field of the row query). Percentile sorts like the percent score
# (the rank is monotonic in it), so it needs no per-row SQL.
COLUMNS: dict[str, tuple[str, str]] = {
    "candidate": ("Candidate", "candidate_name"),
    "email": ("Email", "candidate_email"),
    "status": ("Status", "status"),
    "raw_score": ("Raw score", "raw_score"),
    "percent": ("Percent score", "percent_score"),
    "passed": ("Pass/fail", "passed"),
    "percentile": ("Percentile", "percent_score"),
    "time_used": ("Time used", "time_used"),
    "signals": ("Integrity signals", "signals"),
    "client_changes": ("Client changes", "client_changes"),
    "started": ("Started", "started_at"),
}
DEFAULT_SORT = "-percent"


class ResultsQueryError(Exception):
    """Invalid filter, sort or search parameters; ``errors`` maps each parameter to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class ResultsQuery:
    """What the recruiter asked for: ``status`` (a ``STATUS_FILTERS`` key or ``""``), ``outcome``
    (``"passed"``, ``"failed"`` or ``""``), ``q`` (name or email substring), ``sort`` (a ``COLUMNS``
    key) and ``descending``."""

    status: str = ""
    outcome: str = ""
    q: str = ""
    sort: str = "percent"
    descending: bool = True

    @property
    def sort_param(self) -> str:
        """The ``sort`` parameter as sent: ``percent`` ascending, ``-percent`` descending."""
        return f"-{self.sort}" if self.descending else self.sort

    def params(self) -> dict[str, str]:
        """The non-empty parameters, for links and exports that keep the current view."""
        values = {"status": self.status, "outcome": self.outcome, "q": self.q, "sort": self.sort_param}
        return {k: v for k, v in values.items() if v}


def results_query_parse(params: Mapping[str, str]) -> ResultsQuery:
    """A ``ResultsQuery`` from GET parameters ``status``, ``outcome``, ``q`` and ``sort``
    (``column`` or ``-column``; default ``-percent``). Missing or empty parameters take their default.

    Raises ``ResultsQueryError`` naming each bad parameter, e.g. ``{"sort": ["Unknown column 'x'."]}``.
    """
    errors: dict[str, list[str]] = {}
    status = (params.get("status") or "").strip()
    if status and status not in STATUS_FILTERS:
        errors["status"] = [f"Unknown status {status!r}; use one of {', '.join(STATUS_FILTERS)}."]
    outcome = (params.get("outcome") or "").strip()
    if outcome and outcome not in OUTCOME_FILTERS:
        errors["outcome"] = [f"Unknown outcome {outcome!r}; use passed or failed."]
    q = (params.get("q") or "").strip()
    if len(q) > SEARCH_MAX:
        errors["q"] = [f"Search at most {SEARCH_MAX} characters."]
    elif "\x00" in q:  # PostgreSQL refuses NUL in a string: a 400, not a database error
        errors["q"] = ["Search text cannot contain NUL characters."]
    sort = (params.get("sort") or "").strip() or DEFAULT_SORT
    column = sort.removeprefix("-")
    if column not in COLUMNS:
        errors["sort"] = [f"Unknown column {column!r}."]
    if errors:
        raise ResultsQueryError(errors)
    return ResultsQuery(status=status, outcome=outcome, q=q, sort=column, descending=sort.startswith("-"))


def _event_count(condition: Q) -> Coalesce:
    """Integrity events of the outer session matching ``condition``: a correlated subquery on the
    (session, occurred_at) index, evaluated only for the rows a page returns."""
    counted = (
        IntegrityEvent.objects.filter(condition, session=OuterRef("pk")).order_by()
        .values("session").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def result_rows(*, version: PublishedVersion, query: ResultsQuery) -> QuerySet:
    """The version's test sessions filtered and sorted as ``query`` says, as dicts (one query).

    Row shape: ``{"id", "candidate_name", "candidate_email", "status", "raw_score", "max_score",
    "percent_score", "passed", "provisional", "time_used" (timedelta | None), "signals" (integrity
    events other than client changes), "client_changes", "started_at", "finished_at"}``. Feed the
    rows through ``result_row`` for the percentile and the time used in seconds.
    """
    rows = TestSession.objects.filter(published_version=version)
    if query.status == FINISHED:
        rows = rows.exclude(status=SessionStatus.IN_PROGRESS)
    elif query.status:
        rows = rows.filter(status=query.status)
    if query.outcome:
        rows = rows.filter(passed=query.outcome == "passed")
    if query.q:
        rows = rows.filter(Q(invitation__candidate__name__icontains=query.q)
                           | Q(invitation__candidate__email__icontains=query.q))
    rows = rows.annotate(
        candidate_name=F("invitation__candidate__name"), candidate_email=F("invitation__candidate__email"),
        time_used=F("finished_at") - F("started_at"),
        signals=_event_count(~Q(kind=IntegrityEvent.Kind.CLIENT_CHANGED)),
        client_changes=_event_count(Q(kind=IntegrityEvent.Kind.CLIENT_CHANGED)),
    )
    field = F(COLUMNS[query.sort][1])
    # Empty values (in-progress sessions have no score) go last in both directions; id breaks ties
    # so pages never overlap.
    order = field.desc(nulls_last=True) if query.descending else field.asc(nulls_last=True)
    return rows.order_by(order, "-id" if query.descending else "id").values(
        "id", "candidate_name", "candidate_email", "status", "raw_score", "max_score", "percent_score", "passed",
        "provisional", "time_used", "signals", "client_changes", "started_at", "finished_at",
    )


def finished_scores(*, version_id: int) -> list[Decimal]:
    """Percent scores of the version's finished test sessions, sorted ascending (one query)."""
    return list(
        TestSession.objects.filter(published_version_id=version_id).exclude(status=SessionStatus.IN_PROGRESS)
        .exclude(percent_score=None).order_by("percent_score").values_list("percent_score", flat=True)
    )


def result_row(row: dict, scores: list[Decimal]) -> dict:
    """``row`` from ``result_rows`` with ``percentile`` (0–100 or ``None`` while in progress, see
    ``candidates.percentiles``), ``time_used`` in whole seconds (``None`` while in progress) and
    ``status_label``."""
    finished = row["status"] != SessionStatus.IN_PROGRESS
    used = row["time_used"]
    return {
        **row,
        "status_label": SessionStatus(row["status"]).label,
        "percentile": percentile_rank(row["percent_score"], scores) if finished else None,
        "time_used": max(0, int(used.total_seconds())) if used is not None else None,
    }


def result_rows_all(*, version: PublishedVersion, query: ResultsQuery) -> Iterator[dict]:
    """Every row of the filtered, sorted table with percentiles, streamed in chunks (two queries):
    what the CSV and XLSX exports write."""
    scores = finished_scores(version_id=version.pk)
    for row in result_rows(version=version, query=query).iterator(chunk_size=1000):
        yield result_row(row, scores)


def session_report(session: TestSession) -> dict:
    """Everything the candidate report (page and PDF) shows of one test session.

    Shape: ``{"session", "candidate", "version", "time_used" (seconds | None), "result"
    (``ScoreResult`` | None while in progress), "percentile" (0–100 | None), "finished_count",
    "scores" (the version's finished percent scores, floats, ascending), "questions": [{"item"
    (``ScoredQuestion``), "seconds" (float | None: ``candidates.integrity.answer_seconds``)}],
    "integrity", "band", "report_email", "interviews": [{"kit", "scorecards", "questions", "topics"}]}``.
    """
    candidate = session.invitation.candidate
    report = {
        "session": session, "candidate": candidate, "version": session.published_version,
        "time_used": session_time_used(session), "result": None, "percentile": None, "finished_count": 0,
        "scores": [], "questions": [], "integrity": None, "band": None, "report_email": None,
    }
    if not session.is_open:
        result = session_score(session=session)
        scores = finished_scores(version_id=session.published_version_id)
        first_answers = Response.objects.filter(session=session).values_list("first_saved_at", "question_id")
        seconds = answer_seconds(session.started_at, first_answers)
        report.update(
            result=result, percentile=percentile_rank(session.percent_score, scores), finished_count=len(scores),
            scores=[float(s) for s in scores],
            questions=[{"item": item, "seconds": seconds.get(item.score.question_id)} for item in result.questions],
            integrity=integrity_summary(session=session, scored=result.questions),
            band=score_band(session), report_email=report_email_state(session),
        )
    report["interviews"] = [
        {"kit": kit, **interview_report(candidate=candidate, kit_version=kit)}
        for kit in InterviewKitVersion.objects.filter(
            scorecards__candidate=candidate, scorecards__status="submitted").distinct()
    ]
    return report
