"""Writes of the recruiter's invitation work: bulk invite, resend, session reset, and the parsing of
pasted lists and CSV files into invitees.

Accepted invitee lines (pasted text; blank lines are skipped, a first line ``name,email`` is a header):

* ``Jane Doe <jane@example.com>`` — an address as in an email header (``email.utils.parseaddr``);
* ``Jane Doe, jane@example.com`` — two CSV fields, name then email (``"Doe, Jane", jane@example.com``
  quotes a name with a comma); ``jane@example.com, Jane Doe`` (email first) is recognised by its ``@``;
  tabs (a spreadsheet paste) or semicolons separate the fields as well as commas;
* ``jane@example.com`` — a bare address: a new candidate is named after the local part (``jane``), an
  existing candidate keeps their name.

A CSV file (UTF-8, with or without a byte-order mark; comma, semicolon or tab separated) has a header
row naming an ``email`` column and optionally a ``name`` column, in any order; other columns are ignored.

Line numbers are those the recruiter sees: the text's lines counting blank ones, the file's physical lines
(the header is line 1). A batch holds at most ``MAX_BATCH_ROWS`` invitees.
"""

import csv
import email.utils
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import Q

from assessments.models import PublishedVersion
from candidates.enums import EmailStatus, InvitationStatus
from candidates.models import Invitation, OutboxEmail, PreparedForm, SessionReset, TestSession
from candidates.outbox import outbox_enqueue
from candidates.reports import invitation_email_render
from candidates.services import IssuedInvitation, invitation_create
from candidates.tokens import invitation_token_new

logger = logging.getLogger(__name__)

MAX_BATCH_ROWS = 1000
MAX_FILE_BYTES = 1_000_000
MAX_EXPIRY_DAYS = 365
DEFAULT_EXPIRY_DAYS = 7
MAX_SENDS = 20  # first email + resends: beyond it the candidate's mailbox is being spammed, not helped
NAME_MAX = 200
EMAIL_MAX = 254

_validate_email = EmailValidator()


# --- Shapes ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InviteeRow:
    """One candidate to invite, from line ``line`` of a pasted list or file; ``email`` is lower-case,
    ``name`` may be empty (bare address)."""

    line: int
    name: str
    email: str


@dataclass(frozen=True)
class LineError:
    """Why line ``line`` was not invited; ``message`` is a sentence without the line number."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


@dataclass(frozen=True)
class InvitedRow:
    line: int
    issued: IssuedInvitation


@dataclass
class BulkInviteResult:
    """``invited``: the new invitations by line; ``errors``: every refused line, in line order."""

    invited: list[InvitedRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


# --- Parsing -----------------------------------------------------------------------------------

def _shown(value: str, limit: int = 60) -> str:
    """A value quoted back to the recruiter, cut short so one bad line cannot flood the page."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def invitee_row_check(*, line: int, name: str, email_address: str) -> InviteeRow | LineError:
    """A name and an email address from line ``line`` → the invitee (email lower-cased) or the line's error."""
    name, email_address = name.strip(), email_address.strip()
    if not email_address:
        return LineError(line, "no email address found.")
    try:
        if len(email_address) > EMAIL_MAX:
            raise ValidationError("too long")
        _validate_email(email_address)
    except ValidationError:
        return LineError(line, f"'{_shown(email_address)}' is not a valid email address.")
    if len(name) > NAME_MAX:
        return LineError(line, f"the name is longer than {NAME_MAX} characters.")
    return InviteeRow(line=line, name=name, email=email_address.lower())


def _delimiter(line: str) -> str:
    # A paste from a spreadsheet is tab-separated; European CSV exports use semicolons.
    if "\t" in line:
        return "\t"
    if ";" in line and "," not in line:
        return ";"
    return ","


def _fields(line: str) -> list[str]:
    fields = next(csv.reader([line], delimiter=_delimiter(line), skipinitialspace=True), [])
    fields = [f.strip() for f in fields]
    while fields and not fields[-1]:  # "Jane, jane@x.org," from a spreadsheet's empty column
        fields.pop()
    return fields


def _is_header(fields: Sequence[str]) -> bool:
    names = {f.strip().lower() for f in fields}
    return "email" in names and names <= {"name", "email"}


def invitee_line_parse(*, line: str, number: int) -> InviteeRow | LineError:
    """One pasted line (see the module's docstring for the formats) → an invitee or the line's error."""
    text = line.strip()
    if "<" in text and text.endswith(">"):
        name, address = email.utils.parseaddr(text)
        if not address:
            return LineError(number, "could not read 'Name <email>'.")
        return invitee_row_check(line=number, name=name, email_address=address)
    fields = _fields(text)
    if not fields:
        return LineError(number, "no email address found.")
    if len(fields) == 1:
        return invitee_row_check(line=number, name="", email_address=fields[0])
    if len(fields) == 2:
        first, second = fields
        if "@" in first and "@" not in second:
            first, second = second, first  # "email, name"
        return invitee_row_check(line=number, name=first, email_address=second)
    return LineError(number, f"expected 'Name <email>', 'Name, email' or an email address, found {len(fields)} "
                             "fields.")


def _too_many(key: str) -> ValidationError:
    return ValidationError({key: [f"A batch holds at most {MAX_BATCH_ROWS:,} candidates; this one has more. "
                                  "Split it into smaller batches."]})


def invitees_parse_text(*, text: str) -> tuple[list[InviteeRow], list[LineError]]:
    """Pasted lines → ``(rows, errors)``. Blank lines are skipped (but counted in line numbers) and a
    first line ``name,email`` is taken as a header.

    Raises ``ValidationError`` (key ``text``) with more than ``MAX_BATCH_ROWS`` candidate lines.
    """
    rows: list[InviteeRow] = []
    errors: list[LineError] = []
    first = True
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if first:
            first = False
            if _is_header(_fields(line.strip())):
                continue
        if len(rows) + len(errors) >= MAX_BATCH_ROWS:
            raise _too_many("text")
        parsed = invitee_line_parse(line=line, number=number)
        (errors if isinstance(parsed, LineError) else rows).append(parsed)
    return rows, errors


def invitees_parse_csv(*, data: bytes) -> tuple[list[InviteeRow], list[LineError]]:
    """A CSV file's bytes (UTF-8, optional BOM; ``,`` ``;`` or tab separated; a header row naming
    ``email`` and optionally ``name``) → ``(rows, errors)`` numbered by physical line.

    Raises ``ValidationError`` (key ``file``) when the file is larger than ``MAX_FILE_BYTES``, not UTF-8,
    has no such header, or holds more than ``MAX_BATCH_ROWS`` candidates.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError({"file": [f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB."]})
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": ["The file is not UTF-8 text: save it as “CSV UTF-8”."]}) from exc
    header_line = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(header_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    if "email" not in header:
        raise ValidationError({"file": ["The first row must name the columns, e.g. “name,email”."]})
    email_at, name_at = header.index("email"), header.index("name") if "name" in header else None
    rows: list[InviteeRow] = []
    errors: list[LineError] = []
    try:
        for record in reader:
            if not any(value.strip() for value in record):
                continue
            if len(rows) + len(errors) >= MAX_BATCH_ROWS:
                raise _too_many("file")
            number = reader.line_num
            if email_at >= len(record):
                errors.append(LineError(number, "no email address found."))
                continue
            name = record[name_at] if name_at is not None and name_at < len(record) else ""
            parsed = invitee_row_check(line=number, name=name, email_address=record[email_at])
            (errors if isinstance(parsed, LineError) else rows).append(parsed)
    except csv.Error as exc:
        raise ValidationError({"file": [f"Line {reader.line_num}: the file is not valid CSV ({exc})."]}) from exc
    return rows, errors


def invitation_expiry(*, now: datetime, days: int | None = None, on: date | datetime | None = None) -> datetime:
    """When invitations expire: ``days`` (1..365) from ``now``, or the end of the day ``on`` (23:59:59 UTC)
    or the exact time when ``on`` is a datetime; ``DEFAULT_EXPIRY_DAYS`` when neither is given.

    Raises ``ValidationError`` (key ``expires_in_days`` or ``expires_at``) for both at once, an expiry
    not in the future, or one more than a year away.
    """
    if days is not None and on is not None:
        raise ValidationError({"expires_at": ["Give a number of days or a date, not both."]})
    if on is None:
        days = DEFAULT_EXPIRY_DAYS if days is None else days
        if not 1 <= days <= MAX_EXPIRY_DAYS:
            raise ValidationError({"expires_in_days": [f"Give between 1 and {MAX_EXPIRY_DAYS} days."]})
        return now + timedelta(days=days)
    expires_at = on if isinstance(on, datetime) else datetime.combine(on, time(23, 59, 59), tzinfo=UTC)
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    if expires_at <= now:
        raise ValidationError({"expires_at": ["The expiry must be in the future."]})
    if expires_at > now + timedelta(days=MAX_EXPIRY_DAYS + 1):
        raise ValidationError({"expires_at": [f"Choose an expiry within {MAX_EXPIRY_DAYS} days."]})
    return expires_at


# --- Writes ------------------------------------------------------------------------------------

_HELD = {InvitationStatus.PENDING: "a pending", InvitationStatus.STARTED: "a started"}


@transaction.atomic
def invitations_bulk_create(
    *, published_version: PublishedVersion, rows: Sequence[InviteeRow], expires_at: datetime, invited_by=None,
    now: datetime, rejected: Iterable[LineError] = (),
) -> BulkInviteResult:
    """Invite every row to ``published_version`` (each gets their email through the outbox, after commit).

    Refused per line, the rest still invited: a second row with the same email (``duplicate of line N``)
    and a candidate who already holds a started invitation, or a pending one not yet expired, to this
    published version. ``rejected`` (the parser's errors) are merged into the result's ``errors``.
    Raises ``ValidationError`` for an expiry not in the future (``expires_at``) or more than
    ``MAX_BATCH_ROWS`` rows (``rows``); nothing is written then.
    """
    if expires_at <= now:
        raise ValidationError({"expires_at": ["The expiry must be in the future."]})
    if len(rows) > MAX_BATCH_ROWS:
        raise _too_many("rows")
    # Lock the published version: two batches to one test run one after the other, so the
    # "already invited" check below sees the other batch's invitations.
    PublishedVersion.objects.select_for_update().filter(pk=published_version.pk).exists()
    held = dict(
        Invitation.objects.filter(published_version=published_version, candidate__email__in={r.email for r in rows})
        .filter(Q(status=InvitationStatus.STARTED) | Q(status=InvitationStatus.PENDING, expires_at__gt=now))
        .values_list("candidate__email", "status")
    )
    result = BulkInviteResult(errors=list(rejected))
    first_line: dict[str, int] = {}
    for row in rows:
        if row.email in first_line:
            result.errors.append(LineError(row.line, f"{row.email} is a duplicate of line {first_line[row.email]}."))
            continue
        first_line[row.email] = row.line
        if row.email in held:
            result.errors.append(LineError(
                row.line, f"{row.email} already has {_HELD[held[row.email]]} invitation to this test."))
            continue
        try:
            # invitation_create is atomic: a row that fails rolls back to its savepoint, leaving no
            # candidate without an invitation behind.
            issued = invitation_create(published_version=published_version, name=row.name, email=row.email,
                                       expires_at=expires_at, invited_by=invited_by, now=now)
        except ValidationError as exc:
            result.errors.append(LineError(row.line, " ".join(exc.messages)))
            continue
        result.invited.append(InvitedRow(line=row.line, issued=issued))
    result.errors.sort(key=lambda e: e.line)
    return result


def _invitation_dedup_keys(invitation_id: int) -> Q:
    return Q(dedup_key=f"invitation:{invitation_id}") | Q(dedup_key__startswith=f"invitation:{invitation_id}:")


@transaction.atomic
def invitation_resend(*, invitation: Invitation, now: datetime, sent_by=None) -> IssuedInvitation:
    """Email a pending invitation again with a new link: the token is rotated, so the old link stops
    working (only its hash was stored, the old token cannot be sent again).

    Records ``sent_count`` and ``last_sent_at``; an invitation that has expired gets
    ``DEFAULT_EXPIRY_DAYS`` more from ``now`` (resending a dead link would help no one). Earlier invitation
    emails of it still waiting in the outbox are marked failed (superseded) so no dead link goes out.
    A candidate who already opened the old link keeps their browser session.
    Raises ``ValidationError`` (key ``status``) unless the invitation is pending (a started one would
    lock the candidate out mid-test) or after ``MAX_SENDS`` emails.
    """
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("candidate", "published_version", "organization").get(pk=invitation.pk)
    )
    if locked.status != InvitationStatus.PENDING:
        raise ValidationError({"status": [f"Only a pending invitation can be resent; this one is "
                                          f"{locked.get_status_display().lower()}."]})
    if locked.sent_count >= MAX_SENDS:
        raise ValidationError({"status": [f"This invitation has been sent {locked.sent_count} times already."]})
    token, token_hash = invitation_token_new()
    locked.token_hash = token_hash
    locked.sent_count += 1
    locked.last_sent_at = now
    if locked.expires_at <= now:
        locked.expires_at = now + timedelta(days=DEFAULT_EXPIRY_DAYS)
    locked.save(update_fields=["token_hash", "sent_count", "last_sent_at", "expires_at"])
    # A claim is a conditional update from pending, so this cannot race a sender mid-send.
    OutboxEmail.objects.filter(_invitation_dedup_keys(locked.pk), status=EmailStatus.PENDING).update(
        status=EmailStatus.FAILED, last_error="Superseded by a resend: its link no longer works."
    )
    issued = IssuedInvitation(locked, token)
    subject, text, html = invitation_email_render(invitation=locked, link=issued.link)
    outbox_enqueue(dedup_key=f"invitation:{locked.pk}:{locked.sent_count}", to=locked.candidate.email,
                   subject=subject, body_text=text, body_html=html)
    logger.info("invitation %s resent (send %s) by user %s", locked.pk, locked.sent_count,
                getattr(sent_by, "pk", None))
    invitation.token_hash, invitation.sent_count = locked.token_hash, locked.sent_count
    invitation.last_sent_at, invitation.expires_at = locked.last_sent_at, locked.expires_at
    return issued


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def session_snapshot(session: TestSession) -> dict:
    """What a reset removes, as JSON: ``{"session_id", "status", "started_at", "deadline", "closes_at",
    "finished_at", "raw_score", "max_score", "percent_score", "passed", "provisional", "topic_breakdown",
    "questions": [question ids in order], "responses": [{"question_id", "selected", "text", "rating",
    "saved_at"}], "time_extensions": [{"seconds", "reason", "granted_by_id", "granted_at"}]}`` (decimals
    as strings, times as ISO 8601)."""
    fields = ["status", "started_at", "deadline", "closes_at", "finished_at", "raw_score", "max_score",
              "percent_score", "passed", "provisional", "topic_breakdown"]
    snapshot = {"session_id": session.pk, **{f: _json_value(getattr(session, f)) for f in fields}}
    snapshot["questions"] = list(session.session_questions.order_by("position").values_list("question_id", flat=True))
    snapshot["responses"] = [
        {k: _json_value(v) for k, v in r.items()}
        for r in session.responses.order_by("question_id").values("question_id", "selected", "text", "rating",
                                                                   "saved_at")
    ]
    snapshot["time_extensions"] = [
        {k: _json_value(v) for k, v in t.items()}
        for t in session.time_extensions.values("seconds", "reason", "granted_by_id", "granted_at")
    ]
    return snapshot


@transaction.atomic
def session_reset(*, invitation: Invitation, reason: str, reset_by=None, now: datetime) -> SessionReset:
    """Wipe the invitation's test session so the candidate can start again with the same link.

    Snapshots the session into a ``SessionReset`` (who, why, when, what), deletes the session (its
    questions, responses, events and extensions go with it) and the form prepared for it (the next start
    draws a new one), and sets the invitation back to pending; an invitation that has expired meanwhile
    gets ``DEFAULT_EXPIRY_DAYS`` more from ``now``, or the candidate could not start again. The invitation
    row is locked throughout, so a concurrent start or second reset waits. Raises ``ValidationError``:
    ``reason`` empty (or over 500 characters), ``session`` when there is no test session, ``status`` when
    the invitation is revoked.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the session is reset."]})
    if len(reason) > 500:
        raise ValidationError({"reason": ["Keep the reason under 500 characters."]})
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status == InvitationStatus.REVOKED:
        raise ValidationError({"status": ["This invitation is revoked: invite the candidate again instead."]})
    session = TestSession.objects.select_for_update().filter(invitation_id=locked.pk).first()
    if session is None:
        raise ValidationError({"session": ["This invitation has no test session to reset."]})
    reset = SessionReset.objects.create(invitation=locked, reason=reason, snapshot=session_snapshot(session),
                                        reset_by=reset_by, reset_at=now)
    # A deadline task still queued for this session finds no row and does nothing.
    session.delete()
    # The next start draws a new form: the candidate has seen this one.
    PreparedForm.objects.filter(invitation_id=locked.pk).delete()
    locked.status = InvitationStatus.PENDING
    if locked.expires_at <= now:
        locked.expires_at = now + timedelta(days=DEFAULT_EXPIRY_DAYS)
    locked.save(update_fields=["status", "expires_at"])
    invitation.status, invitation.expires_at = locked.status, locked.expires_at
    return reset
