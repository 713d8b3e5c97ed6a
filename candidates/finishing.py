"""Finishing many timed-out sessions at once: the cohort whose deadline passes in the same second.

``session_finish`` (one session, compare-and-set) serves submits. A sweep over thousands of due
sessions instead works in batches, each one transaction: lock the batch's still-open rows
(``SKIP LOCKED``, so a submit or another sweeper working on a row is left to finish it), mark them
timed out, score them all from four queries, store the scores, finish their invitations, record
the webhook events and queue the recruiters' reports. A session is finished, scored and reported
exactly once whichever path gets it.
"""

import logging
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from assessments.models import PublishedVersion
from candidates.enums import InvitationStatus, SessionStatus
from candidates.models import Invitation, Response, SessionQuestion, TestSession
from candidates.outbox import outbox_enqueue_many
from candidates.reports import ScoreResult
from candidates.scoring import QuestionScore, answer_score, percent, topic_breakdown
from candidates.webhooks import session_finished_event, webhook_endpoints_active
from questionbank.models import Choice, Question

logger = logging.getLogger(__name__)

SCORE_FIELDS = ["raw_score", "max_score", "percent_score", "passed", "topic_breakdown", "scored_at", "provisional"]


def sessions_score(sessions: list[TestSession]) -> dict[int, ScoreResult]:
    """Score ``sessions`` (with ``published_version`` loaded) in four queries whatever their number.

    Returns ``{session_id: ScoreResult}`` equal to ``reports.session_score`` of each, except that
    ``questions`` is empty (the per-question detail is for pages, not for finishing).
    """
    ids = [s.pk for s in sessions]
    drawn = defaultdict(list)
    for session_id, question_id, points in SessionQuestion.objects.filter(session_id__in=ids).order_by(
            "session_id", "position").values_list("session_id", "question_id", "points"):
        drawn[session_id].append((question_id, points))
    answers = {(sid, qid): (selected, text, rating) for sid, qid, selected, text, rating in Response.objects.filter(
        session_id__in=ids).values_list("session_id", "question_id", "selected", "text", "rating")}
    question_ids = {qid for rows in drawn.values() for qid, _ in rows}
    facts = {qid: (kind, slug, name) for qid, kind, slug, name in Question.objects.filter(
        pk__in=question_ids).values_list("id", "kind", "topic__slug", "topic__name")}
    keys, n_choices = defaultdict(set), defaultdict(int)
    for qid, cid, is_key in Choice.objects.filter(question_id__in=question_ids).values_list(
            "question_id", "id", "is_key"):
        n_choices[qid] += 1
        if is_key:
            keys[qid].add(cid)

    results = {}
    for session in sessions:
        version = session.published_version
        scores, provisional = [], False
        for qid, points in drawn[session.pk]:
            kind, slug, name = facts[qid]
            selected, text, rating = answers.get((session.pk, qid), ([], "", None))
            outcome = answer_score(kind=kind, points=points, keys=keys[qid], n_choices=n_choices[qid],
                                   selected=selected, text=text, rating=rating,
                                   partial_credit=version.partial_credit, negative_marking=version.negative_marking)
            provisional |= outcome.ungraded
            scores.append(QuestionScore(question_id=qid, topic_slug=slug, topic_name=name, points=points,
                                        score=outcome.score, correct=outcome.correct, answered=outcome.answered))
        raw = sum((s.score for s in scores), Decimal("0.00"))
        maximum = sum((s.points for s in scores), Decimal("0.00"))
        pct = percent(raw, maximum)
        results[session.pk] = ScoreResult(raw_score=raw, max_score=maximum, percent_score=pct,
                                          passed=pct >= version.pass_mark, topic_breakdown=topic_breakdown(scores),
                                          questions=[], provisional=provisional)
    return results


def _scores_store(sessions: list[TestSession]) -> None:
    """Write the score fields of ``sessions`` with one prepared UPDATE run for every row (psycopg
    pipelines it). Django's ``bulk_update`` builds a CASE expression per field and row, which cost
    most of a cohort's finishing time (10 of 15 s for 2,000 sessions)."""
    fields = [TestSession._meta.get_field(name) for name in SCORE_FIELDS]
    quote = connection.ops.quote_name
    # Names from the model's own metadata, values as parameters: nothing here comes from input.
    sql = (f"UPDATE {quote(TestSession._meta.db_table)} SET "  # noqa: S608
           + ", ".join(f"{quote(f.column)} = %s" for f in fields) + f" WHERE {quote('id')} = %s")
    params = [[f.get_db_prep_save(getattr(s, f.attname), connection) for f in fields] + [s.pk] for s in sessions]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@transaction.atomic
def sessions_finish_batch(*, session_ids: list[int], now: datetime) -> list[int]:
    """Finish as timed out those of ``session_ids`` that are still open and past ``closes_at``.

    ``finished_at`` is each session's deadline. Rows another transaction holds are skipped (that
    transaction finishes them). Returns the ids this call finished. Side effects, all in this
    transaction: scores stored, invitations finished, webhook deliveries and report emails queued.
    """
    from candidates.services import session_report_email_row  # services call this module: import late

    locked = _lock_and_time_out(session_ids, now)
    if not locked:
        return []
    sessions = _sessions_load(locked)
    results = sessions_score(sessions)
    scored_at = timezone.now()  # when this batch was scored, not when the sweep began: lags read true
    for session in sessions:
        result = results[session.pk]
        session.raw_score, session.max_score = result.raw_score, result.max_score
        session.percent_score, session.passed = result.percent_score, result.passed
        session.topic_breakdown, session.scored_at, session.provisional = (
            result.topic_breakdown, scored_at, result.provisional)
    _scores_store(sessions)
    Invitation.objects.filter(pk__in=[s.invitation_id for s in sessions], status=InvitationStatus.STARTED).update(
        status=InvitationStatus.FINISHED)
    endpoints = webhook_endpoints_active(organization_ids={s.organization_id for s in sessions})
    for session in sessions:
        session_finished_event(session=session, result=results[session.pk],
                               endpoints=endpoints.get(session.organization_id, []))
    reports = [session_report_email_row(session=session) for session in sessions]
    outbox_enqueue_many([email for email in reports if email is not None])
    return locked


def _lock_and_time_out(session_ids: list[int], now: datetime) -> list[int]:
    """Mark those of ``session_ids`` still open and past closing as timed out (``finished_at`` = their
    deadline) and return their ids, sorted. Rows another transaction holds are skipped (PostgreSQL's
    ``SKIP LOCKED``); on a backend without row locks the status condition alone decides."""
    locked = TestSession.objects.filter(pk__in=session_ids, status=SessionStatus.IN_PROGRESS, closes_at__lt=now)
    if connection.features.has_select_for_update_skip_locked:
        locked = locked.select_for_update(skip_locked=True, of=("self",))
    select, params = locked.values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # One statement: UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id.
        cursor.execute(f"UPDATE {quote(TestSession._meta.db_table)} SET status = %s, finished_at = deadline "  # noqa: S608
                       f"WHERE id IN ({select}) RETURNING id", [SessionStatus.TIMED_OUT, *params])
        return sorted(row[0] for row in cursor.fetchall())


def _sessions_load(session_ids: list[int]) -> list[TestSession]:
    """The sessions with invitation and candidate, and their published versions and inviting recruiters
    attached once per distinct row: a cohort shares one version and a few recruiters, and loading them
    per session (with the version's spec) was a tenth of finishing time."""
    sessions = list(TestSession.objects.filter(pk__in=session_ids).select_related("invitation__candidate")
                    .order_by("pk"))
    versions = PublishedVersion.objects.in_bulk({s.published_version_id for s in sessions})
    recruiters = get_user_model().objects.in_bulk(
        {s.invitation.invited_by_id for s in sessions if s.invitation.invited_by_id})
    for session in sessions:
        session._state.fields_cache["published_version"] = versions[session.published_version_id]
        session.invitation._state.fields_cache["invited_by"] = recruiters.get(session.invitation.invited_by_id)
    return sessions


def sessions_finish_due(*, now: datetime, organization_id: int | None = None, limit: int = 20000,
                        batch_size: int = 500) -> list[int]:
    """Finish every in-progress session past ``deadline + grace_period`` (at most ``limit``), in
    batches of ``batch_size`` (one transaction each). A failing batch is logged with its ids and
    does not stop the others. Returns the ids this call finished."""
    due = TestSession.objects.filter(status=SessionStatus.IN_PROGRESS, closes_at__lt=now)
    if organization_id is not None:
        due = due.filter(organization_id=organization_id)
    ids = list(due.order_by("closes_at", "id").values_list("id", flat=True)[:limit])
    finished: list[int] = []
    for start in range(0, len(ids), batch_size):
        batch = ids[start:start + batch_size]
        try:
            finished += sessions_finish_batch(session_ids=batch, now=now)
        except Exception:
            logger.warning("sweep: batch %s..%s failed; finishing it one session at a time", batch[0], batch[-1],
                           exc_info=True)
            finished += _finish_one_by_one(batch, now)
    return finished


def _finish_one_by_one(session_ids: list[int], now: datetime) -> list[int]:
    """The slow path for a batch that failed: one session that cannot be scored must not hold back
    the others. Each is finished by ``session_finish`` (its own transaction); failures are logged."""
    from candidates.services import session_finish

    finished = []
    due = TestSession.objects.filter(pk__in=session_ids, status=SessionStatus.IN_PROGRESS, closes_at__lt=now)
    for session_id, deadline in due.order_by("pk").values_list("pk", "deadline"):
        try:
            if session_finish(session_id=session_id, status=SessionStatus.TIMED_OUT, finished_at=deadline, now=now):
                finished.append(session_id)
        except Exception:
            logger.exception("sweep: finishing session %s failed", session_id)
    return finished
