"""The email outbox: every email is a row, claimed with a conditional update and sent once.

States: pending → sending → sent | failed. A claim that a dead worker left in ``sending`` is
taken over after ``STALE_CLAIM``. Transient SMTP failures (4xx replies, dropped connections)
put the row back to pending and raise ``TransientEmailError`` so the task retries with backoff;
permanent ones (5xx) mark it failed.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from candidates.attachments import attachment_render
from candidates.enums import EmailStatus
from candidates.models import OutboxEmail
from candidates.queueing import enqueue_on_commit
from config.log_filters import mask_tokens

logger = logging.getLogger(__name__)
def _stale_claim() -> timedelta:
    """How long a claim may sit in ``sending`` before another sender takes it over (a dead worker)."""
    return timedelta(seconds=settings.OUTBOX_STALE_CLAIM)


class TransientEmailError(Exception):
    """Sending failed in a way worth retrying."""


SEND_CHUNK = 20  # emails per send task queued by outbox_enqueue_many


def _renderers() -> dict:
    """Renderers of emails whose content is made at send time: name → ``f(**render_args) -> (subject, text, html)``."""
    from candidates.reports import session_report_email  # reports read scores; imported when sending

    return {"session_report": session_report_email}


def outbox_enqueue(
    *, dedup_key: str, to: str, subject: str, body_text: str = "", body_html: str = "",
    attachments: list | None = None, renderer: str = "", render_args: dict | None = None,
) -> OutboxEmail | None:
    """Add an email unless one with ``dedup_key`` exists; schedule its sending after commit.

    ``attachments`` are specs rendered at send time (``candidates.attachments``), so a large file
    is never stored in the outbox. With ``renderer`` (a name from ``_renderers``) the subject and
    bodies are rendered at send time from ``render_args`` and ``subject`` is a placeholder until
    then. Returns the new row, or ``None`` when the email was already enqueued (idempotent).
    """
    from candidates.tasks import send_outbox_email  # tasks import services: break the cycle here

    try:
        with transaction.atomic():
            email = OutboxEmail.objects.create(
                dedup_key=dedup_key, to=to, subject=subject, body_text=body_text, body_html=body_html,
                attachments=attachments or [], renderer=renderer, render_args=render_args or {},
            )
    except IntegrityError:
        return None
    enqueue_on_commit(send_outbox_email, email_id=email.pk)
    return email


def outbox_enqueue_many(emails: list[OutboxEmail]) -> None:
    """Add many unsaved outbox rows in one statement (rows whose ``dedup_key`` exists are skipped) and
    schedule them, in one task, after commit. For batch work such as a cohort's reports; same
    guarantees as ``outbox_enqueue``: a send of an email already sent is a no-op, and the outbox
    sweep sends what a lost task left pending."""
    from candidates.tasks import send_outbox_emails  # tasks import services: break the cycle here

    if not emails:
        return
    OutboxEmail.objects.bulk_create(emails, ignore_conflicts=True)
    ids = OutboxEmail.objects.filter(dedup_key__in=[e.dedup_key for e in emails], status=EmailStatus.PENDING)
    # A few messages for the lot: thousands of publishes would compete with the finishing for the CPU,
    # while one huge task (≈ 0.4 s per report PDF) would hold a worker away from the deadline sweeps.
    email_ids = list(ids.values_list("id", flat=True))
    for start in range(0, len(email_ids), SEND_CHUNK):
        enqueue_on_commit(send_outbox_emails, email_ids=email_ids[start:start + SEND_CHUNK])


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | OSError)


def outbox_send(*, email_id: int, now: datetime, final_attempt: bool = False) -> str:
    """Send one outbox email if this caller wins the claim.

    Returns ``"sent"``, ``"skipped"`` (gone, already sent, or claimed by someone else) or
    ``"failed"`` (permanent error, or a transient one on the ``final_attempt``). Raises
    ``TransientEmailError`` after putting the row back to pending.

    Exactly once, except one window: a sender killed after the SMTP server accepted the message
    and before the row says ``sent`` leaves a stale claim, and the take-over sends it again.
    """
    claimed = OutboxEmail.objects.filter(
        Q(status=EmailStatus.PENDING) | Q(status=EmailStatus.SENDING, claimed_at__lt=now - _stale_claim()),
        pk=email_id,
    ).update(status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return "skipped"
    email = OutboxEmail.objects.get(pk=email_id)
    if email.renderer and not email.body_text:
        try:
            email.subject, email.body_text, email.body_html = _renderers()[email.renderer](**email.render_args)
        except Exception as exc:
            OutboxEmail.objects.filter(pk=email_id).update(status=EmailStatus.FAILED, last_error=repr(exc)[:2000])
            logger.exception("outbox email %s could not be rendered", email_id)
            return "failed"
        # Kept on the row, so the admin and a retry show exactly what was sent.
        OutboxEmail.objects.filter(pk=email_id).update(
            subject=email.subject[:255], body_text=email.body_text, body_html=email.body_html)
    message = EmailMultiAlternatives(subject=email.subject, body=email.body_text, to=[email.to])
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        for spec in email.attachments:
            part = attachment_render(spec)
            if isinstance(part, MIMEBase):
                # An inline image the HTML refers to by Content-ID: the parts must be "related".
                message.mixed_subtype = "related"
                message.attach(part)
            else:
                message.attach(*part)
        message.send()
    except Exception as exc:
        transient = _is_transient(exc) and not final_attempt
        OutboxEmail.objects.filter(pk=email_id).update(
            status=EmailStatus.PENDING if transient else EmailStatus.FAILED, last_error=repr(exc)[:2000]
        )
        if transient:
            raise TransientEmailError(str(exc)) from exc
        logger.exception("outbox email %s failed for good", email_id)
        return "failed"
    # Invitation tokens are stored only as hashes: once the email is out, its copy of the link goes.
    OutboxEmail.objects.filter(pk=email_id).update(
        status=EmailStatus.SENT, sent_at=now, last_error="", body_text=mask_tokens(email.body_text),
        body_html=mask_tokens(email.body_html),
    )
    return "sent"


def outbox_pending_ids(*, now: datetime, older_than: datetime, limit: int = 500) -> list[int]:
    """Ids of emails to (re)send: pending since before ``older_than`` (lost enqueue, broker down) or
    stuck in ``sending`` past the stale-claim delay (a worker killed mid-send)."""
    return list(
        OutboxEmail.objects.filter(
            Q(status=EmailStatus.PENDING, created_at__lt=older_than)
            | Q(status=EmailStatus.SENDING, claimed_at__lt=now - _stale_claim())
        ).order_by("id").values_list("id", flat=True)[:limit]
    )
