"""Batch finishing of due sessions: the same scores as one-by-one, once, with everything that follows."""

import random
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from candidates.enums import InvitationStatus, SessionStatus
from candidates.finishing import sessions_finish_batch, sessions_finish_due, sessions_score
from candidates.models import OutboxEmail, TestSession, WebhookDelivery, WebhookEndpoint
from candidates.reports import session_score
from candidates.services import response_save, session_start
from tests.factories import TopicFactory, invite, published_version_make, question_make


def _cohort(organization, recruiter, n, **settings):
    """``n`` started sessions of a test mixing single and multiple choice, answered at random."""
    topic, other = TopicFactory(slug="routing"), TopicFactory(slug="templates")
    for i in range(5):
        question_make(topic, n=i)
        question_make(other, n=i, kind="multiple_choice", keys=(0, 2))
    version = published_version_make(organization=organization, recruiter=recruiter,
                                     rules=[(topic, 3), (other, 3)], **settings)
    rng = random.Random(3)
    now = timezone.now()
    sessions = []
    for i in range(n):
        session, _ = session_start(invitation=invite(version, email=f"c{i}@example.com", recruiter=recruiter)
                                   .invitation, now=now)
        for sq in session.session_questions.select_related("question").prefetch_related("question__choices"):
            choices = [c.pk for c in sq.question.choices.all()]
            if rng.random() < 0.8:
                picked = rng.sample(choices, 1 if sq.question.kind == "single_choice" else rng.randint(1, 3))
                response_save(session=session, question_id=sq.question_id, selected=picked, seq=1, now=now)
        sessions.append(session)
    return version, sessions


@pytest.mark.parametrize("scoring", [{}, {"partial_credit": True}, {"negative_marking": True},
                                     {"partial_credit": True, "negative_marking": True}])
def test_sessions_score_equals_session_score_for_every_rule(organization, recruiter, scoring):
    _, sessions = _cohort(organization, recruiter, 12, **scoring)
    loaded = list(TestSession.objects.filter(pk__in=[s.pk for s in sessions]).select_related("published_version"))

    batch = sessions_score(loaded)

    for session in loaded:
        one = session_score(session=session)
        got = batch[session.pk]
        assert (got.raw_score, got.max_score, got.percent_score, got.passed, got.topic_breakdown, got.provisional) == (
            one.raw_score, one.max_score, one.percent_score, one.passed, one.topic_breakdown, one.provisional)
    assert len({b.raw_score for b in batch.values()}) > 1                 # the answers really differ


def test_sessions_finish_due_finishes_scores_and_reports_each_once(organization, recruiter,
                                                                   django_capture_on_commit_callbacks):
    version, sessions = _cohort(organization, recruiter, 7)
    WebhookEndpoint.objects.create(organization=organization, url="http://127.0.0.1:9/hook", secret="s" * 64)
    later = max(s.closes_at for s in sessions) + timedelta(seconds=1)

    with django_capture_on_commit_callbacks():
        finished = sessions_finish_due(now=later, batch_size=3)              # three batches: 3, 3, 1
        again = sessions_finish_due(now=later, batch_size=3)

    assert sorted(finished) == sorted(s.pk for s in sessions)
    assert again == []
    for session in TestSession.objects.filter(pk__in=finished).select_related("published_version"):
        assert session.status == SessionStatus.TIMED_OUT
        assert session.finished_at == session.deadline
        assert session.raw_score == session_score(session=session).raw_score
    assert set(version.invitations.values_list("status", flat=True)) == {InvitationStatus.FINISHED}
    assert OutboxEmail.objects.filter(dedup_key__startswith="report:session:").count() == 7
    assert WebhookDelivery.objects.filter(event_type="session.finished").count() == 7


def test_sessions_finish_due_leaves_open_and_not_yet_due_sessions(organization, recruiter):
    _, sessions = _cohort(organization, recruiter, 2)
    early = min(s.closes_at for s in sessions) - timedelta(seconds=1)

    assert sessions_finish_due(now=early) == []
    assert set(TestSession.objects.values_list("status", flat=True)) == {SessionStatus.IN_PROGRESS}


@pytest.mark.django_db(transaction=True)
def test_sessions_finish_batch_skips_a_row_another_transaction_holds(organization, recruiter):
    if connections["default"].vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from threading import Event, Thread

    _, sessions = _cohort(organization, recruiter, 3)
    later = max(s.closes_at for s in sessions) + timedelta(seconds=1)
    held, release = Event(), Event()

    def hold_first_row():
        with transaction.atomic():
            TestSession.objects.select_for_update().get(pk=sessions[0].pk)
            held.set()
            release.wait(10)
        connections.close_all()

    holder = Thread(target=hold_first_row)
    holder.start()
    held.wait(10)
    try:
        finished = sessions_finish_batch(session_ids=[s.pk for s in sessions], now=later)
    finally:
        release.set()
        holder.join()

    assert sorted(finished) == sorted(s.pk for s in sessions[1:])
    assert TestSession.objects.get(pk=sessions[0].pk).status == SessionStatus.IN_PROGRESS
