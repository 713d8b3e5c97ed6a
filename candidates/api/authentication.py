"""How a candidate is recognised: by invitation token header, or by the page's session cookie."""

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from candidates.autosave import InvitationKey
from candidates.models import Invitation
from candidates.selectors import invitation_for_candidate, invitation_get_by_token, invitation_is_active
from candidates.tokens import TOKEN_MAX_LENGTH, invitation_token_hash

SESSION_KEY = "assay_invitation_id"
NOT_VALID = "This invitation link is not valid."


class InvitationTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Invitation <token>``; ``request.auth`` becomes the ``Invitation``."""

    keyword = "Invitation"

    def authenticate(self, request):
        header = _invitation_header(request)
        if header is None:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Use: Authorization: Invitation <token>.")
        invitation = invitation_get_by_token(token=header[1])
        if invitation is None or not invitation_is_active(invitation, now=timezone.now()):
            # Unknown, expired, revoked and finished all get the same answer: no oracle.
            raise exceptions.AuthenticationFailed(NOT_VALID)
        return AnonymousUser(), invitation

    def authenticate_header(self, request):
        return self.keyword


def _invitation_header(request) -> list[str] | None:
    """The ``Authorization`` header's words when it names the ``Invitation`` scheme, else ``None``."""
    # What DRF's ``get_authorization_header`` returns, read from META: ``request.headers``, which it reads,
    # copies every header of the request first (about 4 % of an autosave's Python by the profile).
    header = request.META.get("HTTP_AUTHORIZATION", "")
    header = (header.decode("latin-1") if isinstance(header, bytes) else header).split()
    return header if header and header[0] == InvitationTokenAuthentication.keyword else None


class InvitationCookieAuthentication(authentication.SessionAuthentication):
    """The candidate pages' session cookie (set at the landing redirect), CSRF enforced."""

    def authenticate(self, request):
        invitation_id = request._request.session.get(SESSION_KEY)
        if not invitation_id:
            return None
        invitation = invitation_for_candidate(invitation_id=invitation_id)
        if invitation is None or not invitation_is_active(invitation, now=timezone.now()):
            raise exceptions.AuthenticationFailed(NOT_VALID)
        self.enforce_csrf(request)
        return AnonymousUser(), invitation


def invitation_key(request) -> InvitationKey | None:
    """How the request names its invitation, not yet checked against the database, as the authentication
    classes above would read it in their order: ``("token_hash", …)`` from an ``Invitation`` header,
    else ``("id", …)`` from the session cookie once its CSRF token passed; ``None`` when neither applies
    (or the header is malformed, or CSRF fails: the authentication classes then say why). Read once per
    request: the rate limit and the autosave both ask. ``request`` is DRF's or Django's (the autosave's
    quick door asks before DRF wraps it)."""
    django_request = getattr(request, "_request", request)
    if not hasattr(django_request, "_assay_invitation_key"):
        django_request._assay_invitation_key = _invitation_key(request, django_request)
    return django_request._assay_invitation_key


def _invitation_key(request, django_request) -> InvitationKey | None:
    header = _invitation_header(request)
    if header is not None:
        if len(header) != 2 or len(header[1]) > TOKEN_MAX_LENGTH:
            return None
        return "token_hash", invitation_token_hash(header[1])
    invitation_id = django_request.session.get(SESSION_KEY)
    if not invitation_id:
        return None
    try:
        InvitationCookieAuthentication().enforce_csrf(request)
    except exceptions.PermissionDenied:
        return None
    return "id", invitation_id


class IsCandidate(permissions.BasePermission):
    """Allow only requests authenticated by an invitation."""

    def has_permission(self, request, view):
        return isinstance(request.auth, Invitation)


class InvitationTokenScheme(OpenApiAuthenticationExtension):
    target_class = InvitationTokenAuthentication
    name = "invitationToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Invitation <token>` from the candidate's emailed link."}


class InvitationCookieScheme(OpenApiAuthenticationExtension):
    target_class = InvitationCookieAuthentication
    name = "candidateCookie"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
