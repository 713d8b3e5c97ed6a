"""Reads for candidates (by invitation) and recruiters (scoped to their organisation)."""

import hmac
import threading
from decimal import Decimal

from cachetools import LRUCache
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from assessments.models import Organization, PublishedVersion
from candidates.enums import InvitationStatus
from candidates.models import Invitation, Response, SessionQuestion, TestSession
from candidates.rows import Columns, hot_cursor, table
from candidates.tokens import TOKEN_MAX_LENGTH, invitation_token_hash

_INVITATION = Columns(Invitation, "i")
_SESSION = Columns(TestSession, "s")
# The version's settings without its spec (the drawn form is in the session's rows): every
# candidate request reads this row, and the spec is the one large column.
_VERSION = Columns(PublishedVersion, "v", exclude=("spec",))


def invitation_for_candidate(*, token_hash: str | None = None, invitation_id: int | None = None) -> Invitation | None:
    """The invitation with its test session and that session's published version, in one statement.

    Looked up by ``token_hash`` or by ``invitation_id`` (exactly one). ``invitation.test_session`` is
    then free (``None`` before start) and so is ``session.published_version`` (its ``spec`` deferred).
    Every candidate request starts here, so it is written in SQL (``candidates.rows``): the ORM's
    compiler cost four times the statement.
    """
    column = "token_hash" if token_hash is not None else "id"
    with hot_cursor() as cursor:
        cursor.execute(
            f"SELECT {_INVITATION.sql}, {_SESSION.sql}, {_VERSION.sql} FROM {table(Invitation)} i "  # noqa: S608
            f"LEFT JOIN {table(TestSession)} s ON s.invitation_id = i.id "
            f"LEFT JOIN {table(PublishedVersion)} v ON v.id = s.published_version_id WHERE i.{column} = %s",
            [token_hash if token_hash is not None else invitation_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    invitation = _INVITATION.instance(row)
    session = _SESSION.instance(row, _INVITATION.width)
    if session is not None:
        session._state.fields_cache["published_version"] = _VERSION.instance(row, _INVITATION.width + _SESSION.width)
        session._state.fields_cache["invitation"] = invitation
    invitation._state.fields_cache["test_session"] = session
    return invitation


def invitation_get_by_token(*, token: str) -> Invitation | None:
    """The invitation whose token hashes to the stored hash, or ``None`` (as ``invitation_for_candidate``)."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    token_hash = invitation_token_hash(token)
    invitation = invitation_for_candidate(token_hash=token_hash)
    if invitation is None or not hmac.compare_digest(invitation.token_hash, token_hash):
        return None
    return invitation


def invitation_is_active(invitation: Invitation, *, now) -> bool:
    """Whether the invitation may still be used: not revoked or finished, and not expired before start."""
    if invitation.status == InvitationStatus.PENDING:
        return invitation.expires_at > now
    return invitation.status == InvitationStatus.STARTED


def session_get_for_invitation(*, invitation: Invitation) -> TestSession | None:
    """The invitation's session (with its published version), or ``None`` before start.

    Free when the invitation was fetched with ``select_related("test_session")`` (the candidate's
    authentication does that), one query otherwise.
    """
    if "test_session" in invitation._state.fields_cache:
        return invitation._state.fields_cache["test_session"]
    return TestSession.objects.select_related("published_version").filter(invitation=invitation).first()


# The shape of a session item as the candidate's pages use it; the start writes its rows in the same shape.
SESSION_ITEM_FIELDS = ("question_id", "position", "section_title", "points", "choice_order")


def session_items_for_candidate(*, session: TestSession) -> list[tuple[int, int, str, Decimal, list[int]]]:
    """The session's drawn questions in order as ``SESSION_ITEM_FIELDS`` rows (one query); their text
    comes from ``questionbank.selectors.questions_for_candidates``."""
    return list(SessionQuestion.objects.filter(session=session).order_by("position").values_list(
        *SESSION_ITEM_FIELDS))


# Frozen at start (a session's questions and their choice orders never change, nor does a question
# version in use), so a process may keep them: autosave then validates with no query. Bounded, least
# recently used first out; a hall of 500 sessions fits many times over.
_ANSWER_RULES: LRUCache = LRUCache(maxsize=4096)
_ANSWER_RULES_LOCK = threading.Lock()


def session_answer_rules(*, session_id: int) -> dict[int, tuple[list[int], str]]:
    """``{question_id: (choice_order, question kind)}`` of a started session's drawn questions.

    One query the first time a process meets the session, none after: kept per process, but only when
    read outside a transaction (a session being started could still roll back). ``{}`` for a session
    without questions (none is kept).
    """
    rules = session_answer_rules_kept(session_id=session_id)
    if rules is not None:
        return rules
    rules = {qid: (order, kind) for qid, order, kind in SessionQuestion.objects.filter(session_id=session_id)
             .values_list("question_id", "choice_order", "question__kind")}
    if rules and not connection.in_atomic_block:
        with _ANSWER_RULES_LOCK:
            _ANSWER_RULES[session_id] = rules
    return rules


def session_answer_rules_kept(*, session_id: int) -> dict[int, tuple[list[int], str]] | None:
    """The session's answer rules if this process keeps them (as ``session_answer_rules``), else ``None``;
    never a query."""
    with _ANSWER_RULES_LOCK:
        return _ANSWER_RULES.get(session_id)


def session_answer_rules_forget() -> None:
    """Drop what this process keeps (tests: a flushed database hands out the same ids again)."""
    with _ANSWER_RULES_LOCK:
        _ANSWER_RULES.clear()


def responses_for_session(*, session: TestSession) -> dict[int, Response]:
    """The session's responses keyed by question id (one query)."""
    return {r.question_id: r for r in Response.objects.filter(session=session)}


def session_list_for_recruiter(*, organization: Organization) -> QuerySet[TestSession]:
    """The organisation's sessions (results) with candidate and version."""
    return TestSession.objects.filter(organization=organization).select_related(
        "invitation__candidate", "published_version"
    )


def session_get_for_recruiter(*, organization: Organization, session_id: int) -> TestSession:
    """One session of the organisation; ``Http404`` otherwise (never 403)."""
    try:
        return session_list_for_recruiter(organization=organization).get(pk=session_id)
    except TestSession.DoesNotExist as exc:
        raise Http404("No such test session.") from exc


def invitation_list_for_recruiter(*, organization: Organization) -> QuerySet[Invitation]:
    """The organisation's invitations with candidate and version."""
    return Invitation.objects.filter(organization=organization).select_related("candidate", "published_version")
