"""Guarantees 9, 11, 13 and 14: enqueue on commit only, ETAs below the visibility timeout, SMTP
retries, and a dead broker kept off the candidate's path."""

import time

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from candidates.enums import EmailStatus
from candidates.models import OutboxEmail, TestSession
from candidates.services import session_start
from candidates.tasks import send_pending_emails
from config.celery_app import app as celery_app
from tests.factories import invite, published_version_make


def test_enqueue_rolled_back_transaction_enqueues_nothing(issued, django_capture_on_commit_callbacks):
    def start_then_fail():
        with transaction.atomic():
            session_start(invitation=issued.invitation, now=timezone.now())
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        start_then_fail()
    assert callbacks == []
    assert not TestSession.objects.exists()

    with django_capture_on_commit_callbacks() as callbacks:
        session_start(invitation=issued.invitation, now=timezone.now())
    assert len(callbacks) == 2                                   # exposure count, deadline fast path


def test_eta_beyond_half_the_visibility_timeout_is_not_scheduled(organization, recruiter, bank,
                                                                 django_capture_on_commit_callbacks):
    long_test = published_version_make(organization=organization, recruiter=recruiter, rules=[(bank[0], 1)],
                                       time_limit=settings.ASSAY_MAX_ETA + 60)
    short_test = published_version_make(organization=organization, recruiter=recruiter, rules=[(bank[0], 1)],
                                        time_limit=settings.ASSAY_MAX_ETA - 600)

    long_invitation = invite(long_test, email="l@x.org").invitation
    short_invitation = invite(short_test, email="s@x.org").invitation

    with django_capture_on_commit_callbacks() as long_callbacks:
        session_start(invitation=long_invitation, now=timezone.now())
    with django_capture_on_commit_callbacks() as short_callbacks:
        session_start(invitation=short_invitation, now=timezone.now())

    assert (len(long_callbacks), len(short_callbacks)) == (1, 2)     # + the exposure count after each start
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= settings.ASSAY_MAX_ETA * 2


@pytest.fixture
def dead_broker():
    """The broker address points at a closed port: every publish is refused, as with Redis stopped."""
    url = celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.task_always_eager = True


def test_broker_down_saves_and_submit_still_succeed_and_reports_follow(candidate_api, dead_broker, settings,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        started = candidate_api.post("/api/candidate/session/start/")
    question = started.json()["questions"][0]
    began = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        saved = candidate_api.put(f"/api/candidate/session/responses/{question['id']}/",
                                  {"selected": [question["choices"][0]["id"]], "seq": 1}, format="json")
        submitted = candidate_api.post("/api/candidate/session/submit/")
    elapsed = time.monotonic() - began

    assert (started.status_code, saved.status_code, submitted.status_code) == (201, 200, 200)
    assert elapsed < 1.5                      # publishing happens off the request's thread
    from candidates.queueing import _executor

    _executor().submit(lambda: None).result(timeout=30)   # let the refused publishes finish
    report = OutboxEmail.objects.get(dedup_key__startswith="report:")
    assert report.status == EmailStatus.PENDING

    # The broker is back: the outbox sweep (a beat task) sends what waited.
    celery_app.conf.broker_url = "memory://"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.task_always_eager = True
    settings.OUTBOX_RESEND_AFTER = 0
    mail.outbox.clear()
    send_pending_emails()

    report.refresh_from_db()
    assert report.status == EmailStatus.SENT
    assert [m.subject for m in mail.outbox if "report" in m.subject.lower() or "%" in m.subject] == [report.subject]


def test_smtp_transient_failures_then_success_delivers_once(issued, smtp):
    from candidates.tasks import send_outbox_email

    smtp.replies = ["451 busy", "451 busy", "451 busy"]
    email = OutboxEmail.objects.get(dedup_key__startswith="invitation:")
    celery_app.conf.task_eager_propagates = False
    try:
        send_outbox_email.apply(kwargs={"email_id": email.pk})   # eager: each retry runs at once
    finally:
        celery_app.conf.task_eager_propagates = True

    email.refresh_from_db()
    assert (email.status, email.attempts, len(smtp.delivered)) == (EmailStatus.SENT, 4, 1)


def test_smtp_permanent_failure_is_marked_failed_and_shown_to_the_recruiter(candidate_api, recruiter_api, smtp):
    from candidates.tasks import send_outbox_email

    candidate_api.post("/api/candidate/session/start/")
    candidate_api.post("/api/candidate/session/submit/")
    smtp.replies = ["554 rejected"]
    report = OutboxEmail.objects.get(dedup_key__startswith="report:")

    send_outbox_email.apply(kwargs={"email_id": report.pk})

    report.refresh_from_db()
    detail = recruiter_api.get(f"/api/test-sessions/{TestSession.objects.get().pk}/").json()
    assert report.status == EmailStatus.FAILED
    assert smtp.delivered == []
    assert detail["report_email"] == {"status": "failed", "to": report.to, "attempts": 1,
                                      "last_error": report.last_error}


def test_smtp_transient_failures_past_the_retry_limit_mark_the_email_failed(issued, smtp):
    from candidates.tasks import send_outbox_email

    smtp.replies = ["451 busy"] * (send_outbox_email.max_retries + 1)
    email = OutboxEmail.objects.get(dedup_key__startswith="invitation:")
    celery_app.conf.task_eager_propagates = False
    try:
        send_outbox_email.apply(kwargs={"email_id": email.pk})
    finally:
        celery_app.conf.task_eager_propagates = True

    email.refresh_from_db()
    assert (email.status, email.attempts, smtp.delivered) == (EmailStatus.FAILED, 9, [])
