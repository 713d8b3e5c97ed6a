"""Celery tasks: thin, idempotent wrappers around services, taking ids as keyword arguments."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from candidates.finishing import sessions_finish_due
from candidates.models import TestSession
from candidates.outbox import TransientEmailError, outbox_pending_ids, outbox_send
from candidates.prepared_forms import form_prepare
from candidates.services import sessions_sweep

logger = logging.getLogger(__name__)


@shared_task(name="candidates.sweep_expired_sessions")
def sweep_expired_sessions() -> int:
    """Beat task: finish every session past ``deadline + grace_period``; returns how many."""
    finished = sessions_sweep(now=timezone.now())
    if finished:
        logger.info("sweep finished %s session(s)", finished)
    return finished


@shared_task(name="candidates.finish_session_at_deadline")
def finish_session_at_deadline(*, session_id: int) -> bool:
    """Fast path scheduled at ``deadline + grace_period`` of the first session closing in that second:
    finishes, in batches, every session due by now (its cohort included). Returns whether this call
    finished ``session_id``. The beat sweeper stays the guarantee."""
    now = timezone.now()
    closes_at = TestSession.objects.filter(pk=session_id).values_list("closes_at", flat=True).first()
    if closes_at is None or now <= closes_at:
        return False
    return session_id in sessions_finish_due(now=now)


@shared_task(name="candidates.prepare_form")
def prepare_form(*, invitation_id: int) -> bool:
    """Draw the invitation's form ahead of its start (``candidates.prepared_forms``); returns whether one was
    stored (``False`` when it exists already or the invitation cannot start)."""
    return form_prepare(invitation_id=invitation_id, now=timezone.now())


@shared_task(
    bind=True, name="candidates.send_outbox_email", autoretry_for=(TransientEmailError,), retry_backoff=5,
    retry_backoff_max=600, retry_jitter=True, max_retries=8,
)
def send_outbox_email(self, *, email_id: int) -> str:
    """Send one outbox email once (claimed by conditional update); retries transient SMTP errors with
    exponential backoff (5 s, 10 s, 20 s ... at most 10 min), and marks it failed after the last retry."""
    return outbox_send(email_id=email_id, now=timezone.now(), final_attempt=self.request.retries >= self.max_retries)


@shared_task(name="candidates.send_outbox_emails")
def send_outbox_emails(*, email_ids: list[int]) -> int:
    """Send many outbox emails (a cohort's reports) from one message; an email that fails transiently
    is handed to ``send_outbox_email`` and its backoff. Returns how many were sent."""
    sent = 0
    for email_id in email_ids:
        try:
            sent += outbox_send(email_id=email_id, now=timezone.now()) == "sent"
        except TransientEmailError:
            send_outbox_email.apply_async(kwargs={"email_id": email_id}, countdown=5)
    return sent


@shared_task(name="candidates.send_pending_emails")
def send_pending_emails() -> int:
    """Beat task: re-enqueue emails left pending for over a minute (lost enqueue, exhausted retries)."""
    now = timezone.now()
    ids = outbox_pending_ids(now=now, older_than=now - timedelta(seconds=settings.OUTBOX_RESEND_AFTER))
    for email_id in ids:
        send_outbox_email.delay(email_id=email_id)
    return len(ids)


@shared_task(name="candidates.recompute_statistics")
def recompute_statistics() -> dict:
    """Beat task: item and test statistics with their flags, and the exposure counts recounted."""
    from candidates.exposure import exposure_reconcile
    from candidates.item_statistics import statistics_recompute

    return {**statistics_recompute(now=timezone.now()), "exposure": exposure_reconcile()}


# The request's own timeouts bound each read, not the whole reply: the time limits stop a receiver
# that drips bytes from holding a worker (the attempt is then recorded as failed).
@shared_task(name="candidates.deliver_webhook", soft_time_limit=60, time_limit=90)
def deliver_webhook(*, delivery_id: int) -> str:
    """Send one webhook delivery if it is due and unclaimed (claimed by conditional update, so a repeat
    or a concurrent call is skipped); a failure is rescheduled on the row, not by Celery retries."""
    from candidates.webhooks import webhook_deliver

    return webhook_deliver(delivery_id=delivery_id, now=timezone.now())


@shared_task(name="candidates.deliver_due_webhooks")
def deliver_due_webhooks() -> int:
    """Beat task: enqueue due webhook retries, lost enqueues and stale claims (at most
    ``WEBHOOK_SWEEP_BATCH`` per run; the next run takes the rest). Returns how many."""
    from candidates.webhooks import webhook_due_ids

    ids = webhook_due_ids(now=timezone.now(), limit=settings.WEBHOOK_SWEEP_BATCH)
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id=delivery_id)
    return len(ids)
