"""Celery tasks: thin, idempotent wrappers around services, taking ids as keyword arguments."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from candidates.enums import SessionStatus
from candidates.models import TestSession
from candidates.outbox import TransientEmailError, outbox_pending_ids, outbox_send
from candidates.services import session_finish, sessions_sweep

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
    """Fast path scheduled at ``deadline + grace_period``; the sweeper stays the guarantee."""
    now = timezone.now()
    row = TestSession.objects.filter(pk=session_id, status=SessionStatus.IN_PROGRESS).values_list(
        "deadline", "closes_at"
    ).first()
    if row is None or now <= row[1]:
        return False
    return session_finish(session_id=session_id, status=SessionStatus.TIMED_OUT, finished_at=row[0], now=now)


@shared_task(
    bind=True, name="candidates.send_outbox_email", autoretry_for=(TransientEmailError,), retry_backoff=5,
    retry_backoff_max=600, retry_jitter=True, max_retries=8,
)
def send_outbox_email(self, *, email_id: int) -> str:
    """Send one outbox email once (claimed by conditional update); retries transient SMTP errors with
    exponential backoff (5 s, 10 s, 20 s ... at most 10 min), and marks it failed after the last retry."""
    return outbox_send(email_id=email_id, now=timezone.now(), final_attempt=self.request.retries >= self.max_retries)


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
