"""Server-rendered pages: the candidate's journey (the recruiter's report lives in ``candidates.workspace.reports``)."""

import contextlib
from functools import wraps

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from candidates.api.authentication import SESSION_KEY
from candidates.clients import client_ip, client_user_agent
from candidates.enums import InvitationStatus
from candidates.errors import CandidateError
from candidates.models import Invitation
from candidates.presenters import session_questions, session_state
from candidates.reports import format_seconds
from candidates.selectors import invitation_get_by_token, session_get_for_invitation
from candidates.services import (
    session_client_seen,
    session_expire_if_due,
    session_start,
    session_submit,
)

UNAVAILABLE = {
    "unknown": ("This link is not valid", "Check that you opened the whole link from your invitation email."),
    "expired": ("This invitation has expired", "Ask the recruiter who invited you for a new invitation."),
    "revoked": (
        "This invitation has been withdrawn", "Ask the recruiter who invited you if you think this is a mistake."
    ),
}


def candidate_page(view):
    """Private, uncached pages that leak nothing through Referer; passes the invitation in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        invitation = None
        if view.__name__ != "landing":
            invitation_id = request.session.get(SESSION_KEY)
            invitation = (
                Invitation.objects.select_related("published_version", "candidate", "organization", "invited_by")
                .filter(pk=invitation_id).first() if invitation_id else None
            )
            if invitation is None:
                response = _unavailable(request, "unknown")
            elif invitation.status == InvitationStatus.REVOKED:
                response = _unavailable(request, "revoked", invitation=invitation)
            else:
                request.now = getattr(request, "received_at", None) or timezone.now()
                response = view(request, invitation, *args, **kwargs)
        else:
            response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        # The token only ever appears in the landing URL, which sends no Referer at all. The other
        # pages use same-origin: with no-referrer, browsers send "Origin: null" on POST and CSRF
        # origin checking would refuse every form and autosave.
        response["Referrer-Policy"] = "no-referrer" if view.__name__ == "landing" else "same-origin"
        return response

    return wrapper


def _contact(invitation: Invitation | None) -> str:
    """Who the candidate should write to: the inviting recruiter, else the organisation."""
    if invitation is None:
        return ""
    recruiter = invitation.invited_by
    if recruiter and recruiter.email:
        name = recruiter.get_full_name() or recruiter.email
        return f"{name} ({recruiter.email}) at {invitation.organization.name}"
    return invitation.organization.name


def _unavailable(request, reason: str, status: int = 403, invitation: Invitation | None = None) -> HttpResponse:
    title, advice = UNAVAILABLE[reason]
    return render(request, "candidates/unavailable.html",
                  {"title": title, "advice": advice, "contact": _contact(invitation)}, status=status)


def _route(request, invitation, here: str):
    """``(session, redirect)``: where the candidate belongs (instructions before start, the test while
    open, the finished page after), with a redirect unless that is ``here``. Applies lazy expiry."""
    session = session_get_for_invitation(invitation=invitation)
    if session is not None:
        session_client_seen(session=session, ip=client_ip(request), user_agent=client_user_agent(request),
                            now=request.now)
        session = session_expire_if_due(session=session, now=request.now)
    belongs = "candidate-home" if session is None else "candidate-test" if session.is_open else "candidate-done"
    return session, (None if belongs == here else redirect(belongs))


@require_GET
@candidate_page
def landing(request, token: str):
    """Check the emailed token once, keep the invitation in the session cookie, drop the token from the URL."""
    invitation = invitation_get_by_token(token=token)
    if invitation is None:
        return _unavailable(request, "unknown", status=404)
    has_session = session_get_for_invitation(invitation=invitation) is not None
    if invitation.status == InvitationStatus.REVOKED:
        return _unavailable(request, "revoked", invitation=invitation)
    if not has_session and invitation.expires_at <= timezone.now():
        return _unavailable(request, "expired", invitation=invitation)
    request.session.cycle_key()
    request.session[SESSION_KEY] = invitation.pk
    return redirect("candidate-home")


@require_GET
@candidate_page
def home(request, invitation):
    """Instructions before start; otherwise on to the test or the finished page."""
    _, elsewhere = _route(request, invitation, "candidate-home")
    if elsewhere:
        return elsewhere
    version = invitation.published_version
    return render(request, "candidates/instructions.html", {
        "invitation": invitation, "version": version, "time_limit": format_seconds(version.time_limit),
        "grace": format_seconds(version.grace_period),
    })


@require_POST
@candidate_page
def start(request, invitation):
    try:
        session_start(invitation=invitation, now=request.now, client_ip=client_ip(request),
                      client_user_agent=client_user_agent(request))
    except CandidateError as exc:
        return _unavailable(request, exc.code if exc.code in UNAVAILABLE else "unknown", invitation=invitation)
    return redirect("candidate-test")


@require_GET
@candidate_page
def test_page(request, invitation):
    session, elsewhere = _route(request, invitation, "candidate-test")
    if elsewhere:
        return elsewhere
    questions = session_questions(session)
    for q in questions:
        q["selected"] = set(q["response"]["selected"]) if q["response"] else set()
    return render(request, "candidates/test.html", {
        "session": session, "state": session_state(session, now=request.now), "questions": questions,
        "version": session.published_version,
    })


@require_POST
@candidate_page
def submit(request, invitation):
    session = session_get_for_invitation(invitation=invitation)
    if session is not None:
        # SessionClosed means it timed out instead: the finished page says so.
        with contextlib.suppress(CandidateError):
            session_submit(session=session, now=request.now)
    return redirect("candidate-done")


@require_GET
@candidate_page
def done(request, invitation):
    session, elsewhere = _route(request, invitation, "candidate-done")
    if elsewhere:
        return elsewhere
    return render(request, "candidates/done.html", {
        "session": session, "state": session_state(session, now=request.now), "version": session.published_version,
        "organization": invitation.organization, "contact": _contact(invitation),
    })
