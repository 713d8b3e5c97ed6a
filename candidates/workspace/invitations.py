"""Workspace pages: a published version's invitations — invite one or many, resend, revoke, extend a
running test session, reset a session. Every action is a small POST form that redirects back to the
list with a message (post/redirect/get); the invite forms re-render with their errors (400)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_POST

from assessments.selectors import published_version_get
from assessments.workspace.access import recruiter_required
from candidates.errors import SessionClosed
from candidates.invitation_selectors import invitation_get_for_recruiter, invitation_list_for_version
from candidates.invitations import (
    DEFAULT_EXPIRY_DAYS,
    MAX_BATCH_ROWS,
    MAX_EXPIRY_DAYS,
    MAX_FILE_BYTES,
    InviteeRow,
    invitation_expiry,
    invitation_resend,
    invitations_bulk_create,
    invitees_parse_csv,
    invitees_parse_text,
    session_reset,
)
from candidates.services import MAX_EXTENSION, invitation_revoke, session_extend_time

PAGE_SIZE = 50
BULK_RESULT_KEY = "invitations-bulk-result:{version_id}"
BULK_RESULT_SHOWN = 200  # lines of the last bulk result kept in the browser session


class ExpiryForm(forms.Form):
    """A number of days or a date (the end of that day, UTC); the date wins when both are given, so the
    pre-filled number of days does not have to be cleared."""

    expires_in_days = forms.IntegerField(label="Expires in (days)", min_value=1, max_value=MAX_EXPIRY_DAYS,
                                         required=False, initial=DEFAULT_EXPIRY_DAYS)
    expires_on = forms.DateField(label="…or on (date, end of day UTC)", required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, now, **kwargs):
        self.now = now
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        on = data.get("expires_on")
        try:
            days = None if on else data.get("expires_in_days")
            data["expires_at"] = invitation_expiry(now=self.now, on=on, days=days)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                self.add_error("expires_on" if key == "expires_at" else key, errors)
        return data


class InviteForm(ExpiryForm):
    name = forms.CharField(label="Name", max_length=200)
    email = forms.EmailField(label="Email", max_length=254)
    field_order = ["name", "email", "expires_in_days", "expires_on"]


class BulkInviteForm(ExpiryForm):
    text = forms.CharField(
        label="Candidates, one per line", required=False, strip=False, widget=forms.Textarea(attrs={"rows": 6}),
        # Django renders help text unescaped: the address's angle brackets must be escaped here.
        help_text=escape("Jane Doe <jane@example.com>, or Jane Doe, jane@example.com, or just jane@example.com "
                         f"(named after the address). At most {MAX_BATCH_ROWS:,} lines."),
    )
    file = forms.FileField(label="…or a CSV file", required=False,
                           help_text="UTF-8, with a header row naming the columns name and email.",
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))
    field_order = ["text", "file", "expires_in_days", "expires_on"]

    def clean(self):
        data = super().clean()
        text, upload = data.get("text") or "", data.get("file")
        if upload and text.strip():
            raise ValidationError("Paste a list or upload a file, not both.")
        try:
            if upload:
                data["rows"], data["rejected"] = invitees_parse_csv(data=upload.read(MAX_FILE_BYTES + 1))
            elif text.strip():
                data["rows"], data["rejected"] = invitees_parse_text(text=text)
            else:
                raise ValidationError({"text": ["Paste at least one candidate, or choose a file."]})
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                self.add_error(key, errors)
        return data


class ExtendForm(forms.Form):
    amount = forms.IntegerField(min_value=1)
    unit = forms.ChoiceField(choices=[("minutes", "minutes"), ("seconds", "seconds")])
    reason = forms.CharField(max_length=500)

    @property
    def seconds(self) -> int:
        return self.cleaned_data["amount"] * (60 if self.cleaned_data["unit"] == "minutes" else 1)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500)


def _now(request):
    return getattr(request, "received_at", None) or timezone.now()


def _page_url(version_id: int, page: str | None = None) -> str:
    url = reverse("workspace-invitations", kwargs={"version_id": version_id})
    return f"{url}?page={page}" if page and page.isdigit() and page != "1" else url


def _back(request, invitation):
    """To the list page the action was taken on."""
    return redirect(_page_url(invitation.published_version_id, request.POST.get("page")))


def _form_errors(form: forms.Form) -> str:
    return " ".join(f"{name.capitalize()}: {' '.join(errors)}" for name, errors in form.errors.items())


def _render(request, version, *, invite_form=None, bulk_form=None, status=200):
    now = _now(request)
    page = Paginator(invitation_list_for_version(organization=request.organization, published_version=version),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    bulk_result = request.session.pop(BULK_RESULT_KEY.format(version_id=version.pk), None)
    return render(request, "workspace/invitations.html", {
        "version": version, "page": page, "now": now, "bulk_result": bulk_result,
        "invite_form": invite_form or InviteForm(now=now, auto_id="one-%s"),
        "bulk_form": bulk_form or BulkInviteForm(now=now, auto_id="bulk-%s"),
        "max_extension_minutes": MAX_EXTENSION // 60,
    }, status=status)


@recruiter_required
@require_GET
def invitation_page(request, version_id: int):
    """A published version's invitations (newest first, paginated) with the invite forms."""
    version = published_version_get(organization=request.organization, version_id=version_id)
    return _render(request, version)


@recruiter_required
@require_POST
def invitation_invite(request, version_id: int):
    """Invite one candidate; refused like a bulk line when they already hold an invitation to this test."""
    version = published_version_get(organization=request.organization, version_id=version_id)
    now = _now(request)
    form = InviteForm(request.POST, now=now, auto_id="one-%s")
    if form.is_valid():
        row = InviteeRow(line=1, name=form.cleaned_data["name"], email=form.cleaned_data["email"].lower())
        result = invitations_bulk_create(published_version=version, rows=[row], invited_by=request.user,
                                         expires_at=form.cleaned_data["expires_at"], now=now)
        if result.invited:
            messages.success(request, f"Invitation sent to {row.email}.")
            return redirect(_page_url(version.pk))
        form.add_error("email", [e.message for e in result.errors])
    return _render(request, version, invite_form=form, status=400)


@recruiter_required
@require_POST
def invitation_bulk(request, version_id: int):
    """Invite a pasted list or a CSV file; the per-line result is shown once on the list page."""
    version = published_version_get(organization=request.organization, version_id=version_id)
    now = _now(request)
    form = BulkInviteForm(request.POST, request.FILES, now=now, auto_id="bulk-%s")
    if not form.is_valid():
        return _render(request, version, bulk_form=form, status=400)
    result = invitations_bulk_create(
        published_version=version, rows=form.cleaned_data["rows"], rejected=form.cleaned_data["rejected"],
        expires_at=form.cleaned_data["expires_at"], invited_by=request.user, now=now,
    )
    # Kept in the browser session for the next GET only, bounded so a 1,000-line batch stays small.
    request.session[BULK_RESULT_KEY.format(version_id=version.pk)] = {
        "invited_count": len(result.invited), "error_count": len(result.errors),
        "invited": [{"line": r.line, "name": r.issued.invitation.candidate.name,
                     "email": r.issued.invitation.candidate.email} for r in result.invited[:BULK_RESULT_SHOWN]],
        "errors": [{"line": e.line, "text": str(e)} for e in result.errors[:BULK_RESULT_SHOWN]],
    }
    if result.invited:
        count = len(result.invited)
        messages.success(request, f"{count} invitation{'s' if count != 1 else ''} sent.")
    if result.errors:
        count = len(result.errors)
        messages.error(request, f"{count} line{'s were' if count != 1 else ' was'} not invited: see the list below.")
    return redirect(_page_url(version.pk))


@recruiter_required
@require_POST
def invitation_resend_view(request, invitation_id: int):
    invitation = invitation_get_for_recruiter(organization=request.organization, invitation_id=invitation_id)
    try:
        invitation_resend(invitation=invitation, sent_by=request.user, now=_now(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"A new link was sent to {invitation.candidate.email}; "
                                  "the previous link no longer works.")
    return _back(request, invitation)


@recruiter_required
@require_POST
def invitation_revoke_view(request, invitation_id: int):
    invitation = invitation_get_for_recruiter(organization=request.organization, invitation_id=invitation_id)
    if invitation_revoke(invitation=invitation, revoked_by=request.user, now=_now(request)):
        messages.success(request, f"The invitation of {invitation.candidate.email} is revoked: its link no longer "
                                  "works.")
    else:
        messages.error(request, "Only a pending or started invitation can be revoked.")
    return _back(request, invitation)


@recruiter_required
@require_POST
def invitation_extend_view(request, invitation_id: int):
    """More time for the invitation's running test session, recorded with who and why."""
    invitation = invitation_get_for_recruiter(organization=request.organization, invitation_id=invitation_id)
    form = ExtendForm(request.POST)
    session = getattr(invitation, "test_session", None)  # joined by the selector; missing before start
    if session is None:
        messages.error(request, "This candidate has not started the test: there is no deadline to extend.")
    elif not form.is_valid():
        messages.error(request, f"Time not extended. {_form_errors(form)}")
    else:
        try:
            session = session_extend_time(session=session, seconds=form.seconds, reason=form.cleaned_data["reason"],
                                          granted_by=request.user, now=_now(request))
        except ValidationError as exc:
            messages.error(request, f"Time not extended. {' '.join(exc.messages)}")
        except SessionClosed as exc:
            messages.error(request, f"Time not extended. {exc}")
        else:
            messages.success(request, f"{invitation.candidate.email} has {form.cleaned_data['amount']} more "
                                      f"{form.cleaned_data['unit']}: the deadline is now "
                                      f"{session.deadline:%H:%M:%S} UTC.")
    return _back(request, invitation)


@recruiter_required
@require_POST
def invitation_reset_view(request, invitation_id: int):
    """Wipe the test session (a snapshot is kept) so the candidate can start again; a reason is required."""
    invitation = invitation_get_for_recruiter(organization=request.organization, invitation_id=invitation_id)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"reason": ["Say why the session is reset."]})
        session_reset(invitation=invitation, reason=form.cleaned_data["reason"], reset_by=request.user,
                      now=_now(request))
    except ValidationError as exc:
        messages.error(request, f"Session not reset. {' '.join(exc.messages)}")
    else:
        messages.success(request, f"The test session of {invitation.candidate.email} is reset: they can start "
                                  "again with the same link.")
    return _back(request, invitation)


urlpatterns = [
    path("versions/<id:version_id>/invitations/", invitation_page, name="workspace-invitations"),
    path("versions/<id:version_id>/invitations/invite/", invitation_invite, name="workspace-invitation-invite"),
    path("versions/<id:version_id>/invitations/bulk/", invitation_bulk, name="workspace-invitation-bulk"),
    path("invitations/<id:invitation_id>/resend/", invitation_resend_view, name="workspace-invitation-resend"),
    path("invitations/<id:invitation_id>/revoke/", invitation_revoke_view, name="workspace-invitation-revoke"),
    path("invitations/<id:invitation_id>/extend/", invitation_extend_view, name="workspace-invitation-extend"),
    path("invitations/<id:invitation_id>/reset/", invitation_reset_view, name="workspace-invitation-reset"),
]
