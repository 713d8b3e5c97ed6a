"""The outbox against a real SMTP server (aiosmtpd on loopback): once, and retried when transient."""

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from candidates.enums import EmailStatus
from candidates.models import OutboxEmail
from candidates.outbox import TransientEmailError, outbox_enqueue, outbox_send


@pytest.fixture
def email(db):
    return outbox_enqueue(dedup_key="report:session:1", to="r@example.com", subject="S", body_text="T",
                          body_html="<p>T</p>")


def test_outbox_enqueue_same_key_twice_keeps_one_row(email):
    again = outbox_enqueue(dedup_key="report:session:1", to="r@example.com", subject="S2", body_text="T2")

    assert again is None
    assert OutboxEmail.objects.get().subject == "S"


def test_outbox_send_twice_delivers_once(smtp, email):
    first = outbox_send(email_id=email.pk, now=timezone.now())
    second = outbox_send(email_id=email.pk, now=timezone.now())

    assert (first, second) == ("sent", "skipped")
    assert len(smtp.delivered) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)


def test_outbox_send_transient_failure_goes_back_to_pending_then_sends(smtp, email):
    smtp.replies = ["451 4.3.0 Try again later"]

    with pytest.raises(TransientEmailError):
        outbox_send(email_id=email.pk, now=timezone.now())
    email.refresh_from_db()
    assert (email.status, email.attempts, smtp.delivered) == (EmailStatus.PENDING, 1, [])
    assert "451" in email.last_error

    assert outbox_send(email_id=email.pk, now=timezone.now()) == "sent"
    assert len(smtp.delivered) == 1


def test_outbox_send_permanent_failure_is_marked_failed_not_retried(smtp, email):
    smtp.replies = ["554 5.7.1 Rejected"]

    assert outbox_send(email_id=email.pk, now=timezone.now()) == "failed"

    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert outbox_send(email_id=email.pk, now=timezone.now()) == "skipped"
    assert smtp.delivered == []


def test_outbox_send_task_retries_transient_failure_with_backoff(smtp, email):
    from candidates.tasks import send_outbox_email

    smtp.replies = ["451 busy"]

    with pytest.raises(Retry) as retry:
        send_outbox_email.apply(kwargs={"email_id": email.pk})

    assert isinstance(retry.value.exc, TransientEmailError)
    assert send_outbox_email.retry_backoff == 5
    assert send_outbox_email.max_retries == 8
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING


def test_outbox_invitation_token_is_not_kept_after_sending(smtp, issued):
    email = OutboxEmail.objects.get(dedup_key=f"invitation:{issued.invitation.pk}")

    outbox_send(email_id=email.pk, now=timezone.now())

    email.refresh_from_db()
    assert issued.token.encode() in smtp.delivered[0]
    assert issued.token not in email.body_text + email.body_html
    assert "/t/***" in email.body_text
