"""Reads for candidates (by invitation) and recruiters (scoped to their organisation)."""

import hmac

from django.db.models import QuerySet
from django.http import Http404

from assessments.models import Organization
from candidates.enums import InvitationStatus
from candidates.models import Invitation, Response, SessionQuestion, TestSession
from candidates.tokens import invitation_token_hash


def invitation_get_by_token(*, token: str) -> Invitation | None:
    """The invitation whose token hashes to the stored hash, or ``None``."""
    if not token or len(token) > 200:
        return None
    token_hash = invitation_token_hash(token)
    invitation = (
        Invitation.objects.select_related("published_version", "candidate", "test_session__published_version")
        .filter(token_hash=token_hash).first()
    )
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


def session_questions_for_candidate(*, session: TestSession) -> list[SessionQuestion]:
    """The session's questions in order with topic and choices (two queries)."""
    return list(
        SessionQuestion.objects.filter(session=session).select_related("question")
        .prefetch_related("question__choices").order_by("position")
    )


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
