"""Writes of the candidate journey: invite, start, save a response, submit, finish, sweep.

Every function takes ``now`` (taken once per request by the caller) so the deadline check and
the timestamps of one request agree. Finishing is a compare-and-set on ``status``: however
often and however concurrently it runs, a session transitions, is scored and is reported once.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.urls import reverse

from assessments.models import PublishedVersion
from candidates.autosave import response_choices, response_saved, response_upsert
from candidates.enums import InvitationStatus, SessionStatus
from candidates.errors import InvitationUnavailable, SessionClosed, StaleResponse, TooManyEvents
from candidates.models import (
    Candidate,
    IntegrityEvent,
    Invitation,
    OutboxEmail,
    Response,
    SessionQuestion,
    TestSession,
    TimeExtension,
)
from candidates.outbox import outbox_enqueue
from candidates.prepared_forms import (
    form_draw,
    form_drawn_record,
    new_seed,
    prepared_form_usable_sql,
    prepared_items_take,
)
from candidates.queueing import enqueue_on_commit
from candidates.reports import invitation_email_render, report_attachments, report_email_render, session_score
from candidates.rows import Columns, hot_cursor, insert_instance, insert_rows, table
from candidates.selectors import SESSION_ITEM_FIELDS, session_answer_rules
from candidates.tokens import invitation_token_new
from candidates.webhooks import session_finished_event
from questionbank.enums import QuestionKind

logger = logging.getLogger(__name__)


# --- Invitations ---------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation and its secret token (the only time the token is known)."""

    invitation: Invitation
    token: str

    @property
    def link(self) -> str:
        return settings.SITE_URL + reverse("candidate-landing", kwargs={"token": self.token})


@transaction.atomic
def invitation_create(
    *, published_version: PublishedVersion, name: str, email: str, expires_at: datetime, invited_by=None,
    now: datetime,
) -> IssuedInvitation:
    """Invite a candidate (created or reused by email within the organisation) to a published version.

    Emails the candidate their personal link (outbox, after commit) and, after commit, queues the drawing
    of their form (``candidates.prepared_forms``) so that their start only stamps the clock. An empty
    ``name`` keeps an existing candidate's name, and names a new candidate after the email's local part.
    Raises ``ValidationError`` when ``expires_at`` is not in the future.
    """
    if expires_at <= now:
        raise ValidationError({"expires_at": ["The expiry must be in the future."]})
    organization = published_version.organization
    email = email.strip().lower()
    candidate, created = Candidate.objects.get_or_create(
        organization=organization, email=email, defaults={"name": name.strip() or email.split("@")[0]}
    )
    if not created and name.strip() and candidate.name != name.strip():
        candidate.name = name.strip()
        candidate.save(update_fields=["name"])
    token, token_hash = invitation_token_new()
    invitation = Invitation.objects.create(
        organization=organization, published_version=published_version, candidate=candidate,
        invited_by=invited_by, token_hash=token_hash, expires_at=expires_at, last_sent_at=now,
    )
    issued = IssuedInvitation(invitation, token)
    subject, text, html = invitation_email_render(invitation=invitation, link=issued.link)
    outbox_enqueue(dedup_key=f"invitation:{invitation.pk}", to=candidate.email, subject=subject,
                   body_text=text, body_html=html)
    from candidates.tasks import prepare_form  # tasks import services

    enqueue_on_commit(prepare_form, invitation_id=invitation.pk)
    return issued


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, revoked_by=None, now: datetime | None = None) -> bool:
    """Revoke an invitation that is not finished; the candidate's next request is refused.

    ``revoked_by`` (a user or ``None``) and ``now`` (default: the current time) record who revoked
    and when. A started session stays as it is and is closed by the sweeper at its deadline.
    Returns whether anything changed (``False`` when already revoked or finished).
    """
    from django.utils import timezone  # local: this part of the module takes ``now`` from its callers

    return bool(
        Invitation.objects.filter(pk=invitation.pk, status__in=[InvitationStatus.PENDING, InvitationStatus.STARTED])
        .update(status=InvitationStatus.REVOKED, revoked_by=revoked_by, revoked_at=now or timezone.now())
    )


# --- Sessions ------------------------------------------------------------------------------

def session_start(
    *, invitation: Invitation, now: datetime, client_ip: str | None = None, client_user_agent: str = ""
) -> tuple[TestSession, bool]:
    """Start the invitation's session, or return the existing one (resume).

    Returns ``(session, created)``. The deadline is ``now + time_limit``; questions, their
    order and choice orders are drawn from a stored seed and frozen. ``client_ip`` and
    ``client_user_agent`` are recorded on a new session (as ``session_client_seen`` would).
    Concurrent starts on one invitation give one session (row lock on the invitation, unique
    constraint as backstop). Raises ``InvitationUnavailable`` (revoked, or expired before starting).
    A new session carries ``drawn_items``, the rows ``selectors.session_items_for_candidate`` would read
    back, so the reply to the start needs no second read. The form is the invitation's prepared form when
    it has a usable one (``candidates.prepared_forms``), else drawn now.
    """
    try:
        return _session_start(invitation=invitation, now=now, client_ip=client_ip,
                              client_user_agent=client_user_agent)
    except IntegrityError:
        # A concurrent start won the unique (invitation) constraint: resume that session.
        return TestSession.objects.get(invitation_id=invitation.pk), False


_LOCKED_INVITATION = Columns(Invitation, "i", only=("status", "expires_at"))
_STARTING_VERSION = Columns(PublishedVersion, "v")


def _invitation_lock_for_start(invitation_id: int) -> tuple[Invitation, int | None, PublishedVersion, int | None]:
    """Lock the invitation row (PostgreSQL; SQLite serialises writers anyway) and read, in one statement,
    what a start decides on: its status and expiry, its session's id if one exists, its published version,
    and the seed of its prepared form when that form can be used (``prepared_forms``), else ``None``."""
    lock = " FOR UPDATE OF i" if connection.features.has_select_for_update_of else ""
    with hot_cursor() as cursor:
        cursor.execute(
            f"SELECT {_LOCKED_INVITATION.sql}, s.id, {_STARTING_VERSION.sql}, {prepared_form_usable_sql('i')} "  # noqa: S608
            f"FROM {table(Invitation)} i JOIN {table(PublishedVersion)} v ON v.id = i.published_version_id "
            f"LEFT JOIN {table(TestSession)} s ON s.invitation_id = i.id WHERE i.id = %s{lock}",
            [invitation_id],
        )
        row = cursor.fetchone()
    width = _LOCKED_INVITATION.width
    version = _STARTING_VERSION.instance(row, width + 1)
    return _LOCKED_INVITATION.instance(row), row[width], version, row[width + 1 + _STARTING_VERSION.width]


@transaction.atomic
def _session_start(
    *, invitation: Invitation, now: datetime, client_ip: str | None, client_user_agent: str
) -> tuple[TestSession, bool]:
    locked, session_id, version, prepared_seed = _invitation_lock_for_start(invitation.pk)
    if session_id is not None:
        return TestSession.objects.select_related("published_version").get(pk=session_id), False
    if locked.status == InvitationStatus.REVOKED:
        raise InvitationUnavailable("revoked", "This invitation has been revoked.")
    if locked.expires_at <= now:
        raise InvitationUnavailable("expired", "This invitation has expired.")
    seed = new_seed() if prepared_seed is None else prepared_seed
    deadline = now + timedelta(seconds=version.time_limit)
    session = TestSession(
        organization_id=invitation.organization_id, invitation_id=invitation.pk, published_version=version,
        seed=seed, started_at=now, deadline=deadline, closes_at=deadline + timedelta(seconds=version.grace_period),
        client_ip=client_ip, client_user_agent=client_user_agent,
    )
    insert_instance(session)
    if prepared_seed is not None:
        # Drawn ahead: its versions were frozen and its exposure counted when it was prepared.
        session.drawn_items = prepared_items_take(session_id=session.pk, invitation_id=invitation.pk)
    else:
        session.drawn_items = form_draw(version, seed)
        insert_rows(SessionQuestion, ("session_id", *SESSION_ITEM_FIELDS),
                    [(session.pk, *item) for item in session.drawn_items])
        form_drawn_record([item[0] for item in session.drawn_items])
    with hot_cursor() as cursor:
        cursor.execute(f"UPDATE {table(Invitation)} SET status = %s WHERE id = %s",  # noqa: S608
                       [InvitationStatus.STARTED.value, invitation.pk])

    # The fast path only: the sweeper is the guarantee. An ETA beyond half the broker's visibility
    # timeout would be redelivered while still waiting, so long tests rely on the sweeper alone.
    if (session.closes_at - now).total_seconds() <= settings.ASSAY_MAX_ETA:
        transaction.on_commit(lambda: _deadline_task_schedule(session_id=session.pk, closes_at=session.closes_at))
    return session, True


def _deadline_task_schedule(*, session_id: int, closes_at: datetime) -> None:
    """Schedule the deadline fast path once per closing second (after the start committed): a cohort
    that started together closes together and one batch sweep finishes all of it, instead of
    thousands of tasks queueing behind each other. A lost schedule only means the beat sweep does it."""
    from candidates.tasks import finish_session_at_deadline  # tasks import services

    if cache.add(f"assay:finish-due-at:{int(closes_at.timestamp())}", 1, timeout=int(settings.ASSAY_MAX_ETA) * 2):
        enqueue_on_commit(finish_session_at_deadline, eta=closes_at + timedelta(seconds=1), session_id=session_id)


MAX_EXTENSION = 24 * 3600


def session_extend_time(
    *, session: TestSession, seconds: int, reason: str, granted_by, now: datetime
) -> TestSession:
    """Give one in-progress session ``seconds`` more (deadline and closing time move together).

    Recorded with who and why. Raises ``ValidationError`` (``seconds`` outside 1..86400, empty
    ``reason``) and ``SessionClosed`` when the session is finished or already past closing.
    """
    errors = {}
    if not 1 <= seconds <= MAX_EXTENSION:
        errors["seconds"] = [f"Give between 1 and {MAX_EXTENSION} seconds."]
    if not reason.strip():
        errors["reason"] = ["Say why the time is extended."]
    if errors:
        raise ValidationError(errors)
    if now > session.closes_at:
        session_expire_if_due(session=session, now=now)
        raise SessionClosed("The session is already over.")
    with transaction.atomic():
        locked = TestSession.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.IN_PROGRESS:
            raise SessionClosed("The session is already finished.")
        extra = timedelta(seconds=seconds)
        TestSession.objects.filter(pk=session.pk).update(deadline=F("deadline") + extra,
                                                         closes_at=F("closes_at") + extra)
        TimeExtension.objects.create(session=locked, seconds=seconds, reason=reason.strip()[:500],
                                     granted_by=granted_by, granted_at=now)
    session.refresh_from_db()
    return session


def session_expire_if_due(*, session: TestSession, now: datetime) -> TestSession:
    """Lazy expiry: finish a session past ``deadline + grace_period`` and return it refreshed."""
    if session.status == SessionStatus.IN_PROGRESS and now > session.closes_at:
        session_finish(session_id=session.pk, status=SessionStatus.TIMED_OUT, finished_at=session.deadline, now=now)
        session.refresh_from_db()
    return session


_SUBMITTED = "This test has been submitted: answers can no longer change."


def response_save(
    *, session: TestSession, question_id: int, selected: list[int], seq: int, now: datetime, text: str = ""
) -> Response:
    """Store the candidate's answer to one question of an open session (upsert).

    ``selected`` are choice ids of that question (at most one for single choice); ``seq`` is the
    client's per-question save counter. Raises ``SessionClosed`` after ``deadline +
    grace_period`` (finishing the session first) or once finished, ``StaleResponse`` when
    ``seq`` is lower than the stored one, ``ValidationError`` (field-keyed) on bad choices.
    Nothing is changed when it raises.
    """
    if now > session.closes_at:
        session_expire_if_due(session=session, now=now)
        raise SessionClosed("Time is up: this answer was not saved.")
    if session.status != SessionStatus.IN_PROGRESS:
        raise SessionClosed(_SUBMITTED)
    chosen = response_choices(rules=session_answer_rules(session_id=session.pk), question_id=question_id,
                              selected=selected, text=text)
    response_id = response_upsert(session_id=session.pk, question_id=question_id, selected=chosen, text=text,
                                  seq=seq, now=now)
    if response_id is None:
        if TestSession.objects.filter(pk=session.pk).exclude(status=SessionStatus.IN_PROGRESS).exists():
            raise SessionClosed(_SUBMITTED)
        stored = Response.objects.get(session_id=session.pk, question_id=question_id)
        raise StaleResponse("A newer answer to this question is already saved.", selected=stored.selected,
                            seq=stored.seq, text=stored.text)
    return response_saved(response_id=response_id, session_id=session.pk, question_id=question_id, selected=chosen,
                          text=text, seq=seq, now=now)


def session_submit(*, session: TestSession, now: datetime) -> TestSession:
    """The candidate submits. Idempotent: submitting a submitted session returns it unchanged.

    After ``deadline + grace_period`` the session is finished as timed out instead and
    ``SessionClosed`` is raised.
    """
    if now > session.closes_at:
        session_expire_if_due(session=session, now=now)
        if session.status == SessionStatus.TIMED_OUT:
            raise SessionClosed("Time was up: your saved answers were submitted automatically.")
    else:
        session_finish(session_id=session.pk, status=SessionStatus.SUBMITTED, finished_at=now, now=now)
    session.refresh_from_db()
    return session


@transaction.atomic
def session_finish(*, session_id: int, status: str, finished_at: datetime, now: datetime) -> bool:
    """Close an in-progress session, score it and queue the recruiter's report.

    Compare-and-set on ``status``: returns ``True`` only for the one caller that made the
    transition; every other call (repeat, concurrent, gone) returns ``False`` and does nothing.
    A submit's ``finished_at`` is moved to the latest save's ``saved_at`` when a save that arrived
    after the submit was applied before it (see below).
    """
    changed = TestSession.objects.filter(pk=session_id, status=SessionStatus.IN_PROGRESS).update(
        status=status, finished_at=finished_at
    )
    if changed != 1:
        return False
    if status == SessionStatus.SUBMITTED:
        # Two tabs: a save that arrived after this submit can still take the session's row lock first. It was
        # applied, and is scored, before the submit, so the test finished after it. Read now that the lock is
        # ours: this statement sees every save committed before, and no later one can land.
        last_save = Response.objects.filter(session_id=session_id, saved_at__gt=finished_at).aggregate(
            last=Max("saved_at"))["last"]
        if last_save is not None:
            TestSession.objects.filter(pk=session_id).update(finished_at=last_save)
    session = TestSession.objects.select_related(
        "invitation__candidate", "invitation__invited_by", "published_version"
    ).get(pk=session_id)
    result = session_score(session=session)
    _store_score(session, result, now)
    Invitation.objects.filter(pk=session.invitation_id, status=InvitationStatus.STARTED).update(
        status=InvitationStatus.FINISHED
    )
    session_finished_event(session=session, result=result)
    session_report_queue(session=session, result=result)
    return True


def session_report_queue(*, session: TestSession, result) -> None:
    """Queue the recruiter's report of a just-finished session (outbox, once per session); logs a
    warning when the invitation has no recruiter email to send it to."""
    email = session_report_email_row(session=session)
    if email is None:
        logger.warning("session %s finished but its invitation has no recruiter email to report to", session.pk)
    else:
        outbox_enqueue(dedup_key=email.dedup_key, to=email.to, subject=email.subject, renderer=email.renderer,
                       render_args=email.render_args, attachments=email.attachments)


def session_report_email_row(*, session: TestSession) -> OutboxEmail | None:
    """The unsaved outbox row of a finished session's report to the inviting recruiter (rendered when
    sent, ``candidates.reports.session_report_email``), or ``None`` without a recruiter email."""
    recruiter = session.invitation.invited_by
    if not (recruiter and recruiter.email):
        return None
    return OutboxEmail(
        dedup_key=f"report:session:{session.pk}", to=recruiter.email,
        subject=f"Report: {session.invitation.candidate.name}, {session.published_version.title}",
        renderer="session_report", render_args={"session_id": session.pk}, attachments=report_attachments(session),
    )


def _store_score(session: TestSession, result, now: datetime) -> None:
    session.raw_score, session.max_score = result.raw_score, result.max_score
    session.percent_score, session.passed = result.percent_score, result.passed
    session.topic_breakdown, session.scored_at, session.provisional = result.topic_breakdown, now, result.provisional
    session.save(update_fields=["raw_score", "max_score", "percent_score", "passed", "topic_breakdown", "scored_at",
                                "provisional"])


@transaction.atomic
def response_grade(*, session: TestSession, question_id: int, rating: int, graded_by, now: datetime) -> TestSession:
    """Grade a finished session's free-text answer (0–3) and rescore the session.

    When the last ungraded answer is graded the score stops being provisional and the recruiter is
    told the final score. Raises ``ValidationError`` for an open session, a question that is not a
    free-text question of the session, or a rating outside 0–3.
    """
    # Lock only the session row: PostgreSQL refuses FOR UPDATE on the nullable side (invited_by) of a join.
    session = TestSession.objects.select_for_update(of=("self",)).select_related(
        "published_version", "invitation__candidate", "invitation__invited_by").get(pk=session.pk)
    if session.status == SessionStatus.IN_PROGRESS:
        raise ValidationError({"session": ["Grade answers once the session is finished."]})
    if not SessionQuestion.objects.filter(session=session, question_id=question_id,
                                          question__kind=QuestionKind.FREE_TEXT).exists():
        raise ValidationError({"question": ["Not a free-text question of this session."]})
    if rating not in (0, 1, 2, 3):
        raise ValidationError({"rating": ["Rate 0 (no answer) to 3 (strong)."]})
    Response.objects.update_or_create(
        session=session, question_id=question_id,
        defaults={"rating": rating, "graded_by": graded_by, "graded_at": now},
        create_defaults={"rating": rating, "graded_by": graded_by, "graded_at": now, "saved_at": now,
                         "first_saved_at": now},
    )
    was_provisional = session.provisional
    result = session_score(session=session)
    _store_score(session, result, now)
    recruiter = session.invitation.invited_by
    if was_provisional and not result.provisional and recruiter and recruiter.email:
        subject, text, html = report_email_render(session=session, result=result)
        outbox_enqueue(dedup_key=f"final:session:{session.pk}", to=recruiter.email, subject=f"Final: {subject}",
                       body_text=text, body_html=html)
    return session


def sessions_sweep(*, now: datetime, organization_id: int | None = None, limit: int = 20000) -> int:
    """Finish every in-progress session past ``deadline + grace_period`` as timed out, in batches
    (``candidates.finishing``). ``finished_at`` is each session's deadline. Returns how many
    sessions this call transitioned."""
    from candidates.finishing import sessions_finish_due  # finishing calls back into this module

    return len(sessions_finish_due(now=now, organization_id=organization_id, limit=limit))


# --- Integrity signals ---------------------------------------------------------------------

EVENTS_PER_SESSION = 500
EVENTS_PER_MINUTE = 30
BROWSER_EVENT_KINDS = frozenset(
    {IntegrityEvent.Kind.FOCUS_LOST, IntegrityEvent.Kind.TAB_HIDDEN, IntegrityEvent.Kind.PASTE,
     IntegrityEvent.Kind.FULLSCREEN_EXIT}
)


def session_client_seen(*, session: TestSession, ip: str | None, user_agent: str, now: datetime) -> None:
    """Remember the client's address and user agent; a change is recorded as an integrity event.

    Writes only when something changed, so the autosave path normally adds no query.
    """
    if (session.client_ip, session.client_user_agent) == (ip, user_agent):
        return
    with transaction.atomic():
        if session.client_ip or session.client_user_agent:
            IntegrityEvent.objects.create(
                session=session, kind=IntegrityEvent.Kind.CLIENT_CHANGED, ip=ip, user_agent=user_agent,
                occurred_at=now,
                detail=f"was {session.client_ip} / {session.client_user_agent}"[: IntegrityEvent.DETAIL_MAX],
            )
        TestSession.objects.filter(pk=session.pk).update(client_ip=ip, client_user_agent=user_agent)
    session.client_ip, session.client_user_agent = ip, user_agent


def integrity_event_record(
    *, session: TestSession, kind: str, detail: str, ip: str | None, user_agent: str, now: datetime
) -> IntegrityEvent:
    """Append a browser-reported event (focus lost, tab hidden, paste, left full screen).

    Stamped with server time; ``detail`` cut to 200 characters. Raises ``ValidationError`` for
    another kind, ``SessionClosed`` once the session is finished, ``TooManyEvents`` beyond 500
    events per session or 30 per minute.
    """
    if kind not in BROWSER_EVENT_KINDS:
        raise ValidationError({"kind": [f"Use one of {sorted(BROWSER_EVENT_KINDS)}."]})
    with transaction.atomic():
        status = (
            TestSession.objects.select_for_update().filter(pk=session.pk).values_list("status", flat=True).first()
        )
        if status != SessionStatus.IN_PROGRESS:
            raise SessionClosed("This test is finished.")
        events = IntegrityEvent.objects.filter(session_id=session.pk)
        if events.count() >= EVENTS_PER_SESSION or (
            events.filter(occurred_at__gt=now - timedelta(minutes=1)).count() >= EVENTS_PER_MINUTE
        ):
            raise TooManyEvents("Too many events for this session.")
        return IntegrityEvent.objects.create(
            session_id=session.pk, kind=kind, detail=detail[: IntegrityEvent.DETAIL_MAX], ip=ip,
            user_agent=user_agent, occurred_at=now,
        )
