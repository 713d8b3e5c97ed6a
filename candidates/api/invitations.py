"""Recruiter API: bulk invitations and one invitation's detail, resend, revoke and session reset.

Scoped to ``request.organization``: another organisation's invitation is a 404, and another
organisation's published version in a body is refused like a missing one (400, field message).
"""

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.api.permissions import IsRecruiter
from assessments.models import PublishedVersion
from candidates.api.recruiter import InvitationOutput
from candidates.enums import InvitationStatus
from candidates.invitation_selectors import invitation_get_for_recruiter
from candidates.invitations import (
    MAX_BATCH_ROWS,
    MAX_EXPIRY_DAYS,
    MAX_FILE_BYTES,
    LineError,
    invitation_expiry,
    invitation_resend,
    invitations_bulk_create,
    invitee_row_check,
    invitees_parse_csv,
    invitees_parse_text,
    session_reset,
)
from candidates.models import Invitation, SessionReset
from candidates.services import invitation_revoke


def _now(request) -> datetime:
    return getattr(request._request, "received_at", None) or timezone.now()


def _fresh(request, invitation_id: int) -> Invitation:
    """The organisation's invitation with candidate and test session; 404 for anyone else's."""
    return invitation_get_for_recruiter(organization=request.organization, invitation_id=invitation_id)


def _refused(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class BulkRowInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    # Checked row by row by the parser's rules, so a bad address is reported by its line, not as a 400.
    email = serializers.CharField(max_length=320, allow_blank=True)


class BulkInviteInput(serializers.Serializer):
    published_version = serializers.IntegerField(min_value=1)
    text = serializers.CharField(required=False, trim_whitespace=False,
                                 help_text="One candidate per line: 'Name <email>', 'Name, email' or 'email'.")
    rows = serializers.ListField(child=BulkRowInput(), required=False, allow_empty=False,
                                 help_text=f"[{{name, email}}], at most {MAX_BATCH_ROWS}; line = position from 1.")
    file = serializers.FileField(required=False, help_text="Multipart: a UTF-8 CSV with a header row name,email.")
    expires_in_days = serializers.IntegerField(min_value=1, max_value=MAX_EXPIRY_DAYS, required=False,
                                               help_text="Default 7.")
    expires_at = serializers.CharField(required=False,
                                       help_text="ISO 8601 date-time, or a date meaning the end of that day UTC.")

    def validate_expires_at(self, value: str):
        # A bare date first: parse_datetime would read it as midnight, not the end of that day.
        parsed = parse_date(value) or parse_datetime(value)
        if parsed is None:
            raise serializers.ValidationError("Give an ISO 8601 date (2025-07-01) or date-time.")
        return parsed

    def validate_rows(self, value):
        if len(value) > MAX_BATCH_ROWS:
            raise serializers.ValidationError(f"A batch holds at most {MAX_BATCH_ROWS:,} candidates.")
        return value

    def validate(self, attrs):
        given = [k for k in ("text", "rows", "file") if k in attrs]
        if len(given) != 1:
            raise serializers.ValidationError({"text": ["Give exactly one of text, rows or file."]})
        return attrs


class InvitedLineOutput(InvitationOutput):
    line = serializers.IntegerField()
    link = serializers.CharField(help_text="The candidate's personal link; shown only once.")

    class Meta(InvitationOutput.Meta):
        fields = ["line", *InvitationOutput.Meta.fields, "link"]


class LineErrorOutput(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


class BulkInviteOutput(serializers.Serializer):
    invited = InvitedLineOutput(many=True)
    errors = LineErrorOutput(many=True)


class TestSessionBrief(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    deadline = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class InvitationDetailOutput(InvitationOutput):
    test_session = serializers.SerializerMethodField()

    class Meta(InvitationOutput.Meta):
        fields = [*InvitationOutput.Meta.fields, "sent_count", "last_sent_at", "revoked_by", "revoked_at",
                  "test_session"]

    @extend_schema(responses=TestSessionBrief(allow_null=True))
    def get_test_session(self, obj) -> dict | None:
        session = getattr(obj, "test_session", None)
        return TestSessionBrief(session).data if session else None


class InvitationResentOutput(InvitationDetailOutput):
    link = serializers.CharField(help_text="The new personal link; the previous one no longer works.")

    class Meta(InvitationDetailOutput.Meta):
        fields = [*InvitationDetailOutput.Meta.fields, "link"]


class ResetInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class SessionResetOutput(serializers.ModelSerializer):
    class Meta:
        model = SessionReset
        fields = ["id", "invitation", "reason", "reset_by", "reset_at", "snapshot"]


class InvitationBulkApi(APIView):
    permission_classes = [IsRecruiter]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request={"application/json": BulkInviteInput, "multipart/form-data": BulkInviteInput},
                   responses={201: BulkInviteOutput, 200: BulkInviteOutput},
                   summary="Invite many candidates (each emailed their link); bad lines reported by number")
    def post(self, request):
        data = BulkInviteInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        now = _now(request)
        version = PublishedVersion.objects.filter(organization=request.organization,
                                                  pk=values["published_version"]).first()
        if version is None:
            raise ValidationError({"published_version": ["No such published version."]})
        try:
            on = values.get("expires_at")
            expires_at = invitation_expiry(now=now, days=values.get("expires_in_days"), on=on)
            if "file" in values:
                rows, rejected = invitees_parse_csv(data=values["file"].read(MAX_FILE_BYTES + 1))
            elif "text" in values:
                rows, rejected = invitees_parse_text(text=values["text"])
            else:
                rows, rejected = [], []
                for number, row in enumerate(values["rows"], start=1):
                    parsed = invitee_row_check(line=number, name=row["name"], email_address=row["email"])
                    (rejected if isinstance(parsed, LineError) else rows).append(parsed)
            result = invitations_bulk_create(published_version=version, rows=rows, rejected=rejected,
                                             expires_at=expires_at, invited_by=request.user, now=now)
        except DjangoValidationError as exc:
            raise _refused(exc) from exc
        invited = []
        for row in result.invited:
            invitation = row.issued.invitation
            invitation.line, invitation.link = row.line, row.issued.link
            invited.append(invitation)
        body = {"invited": InvitedLineOutput(invited, many=True).data,
                "errors": [{"line": e.line, "message": e.message} for e in result.errors]}
        return Response(body, status=status.HTTP_201_CREATED if invited else status.HTTP_200_OK)


class InvitationDetailApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(responses=InvitationDetailOutput, summary="One invitation: status, sends, test session")
    def get(self, request, invitation_id: int):
        invitation = _fresh(request, invitation_id)
        return Response(InvitationDetailOutput(invitation).data)


class InvitationResendApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=None, responses=InvitationResentOutput,
                   summary="Email a pending invitation again with a new link (the old link stops working)")
    def post(self, request, invitation_id: int):
        invitation = _fresh(request, invitation_id)
        try:
            issued = invitation_resend(invitation=invitation, sent_by=request.user, now=_now(request))
        except DjangoValidationError as exc:
            raise _refused(exc) from exc
        invitation = _fresh(request, invitation_id)
        invitation.link = issued.link
        return Response(InvitationResentOutput(invitation).data)


class InvitationRevokeApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=None, responses=InvitationDetailOutput,
                   summary="Revoke a pending or started invitation (idempotent; a finished one: 400)")
    def post(self, request, invitation_id: int):
        invitation = _fresh(request, invitation_id)
        changed = invitation_revoke(invitation=invitation, revoked_by=request.user, now=_now(request))
        invitation = _fresh(request, invitation_id)
        if not changed and invitation.status != InvitationStatus.REVOKED:
            raise ValidationError({"status": ["A finished invitation cannot be revoked."]})
        return Response(InvitationDetailOutput(invitation).data)


class InvitationResetApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=ResetInput, responses=SessionResetOutput,
                   summary="Delete the invitation's test session (snapshot kept) so the candidate starts again")
    def post(self, request, invitation_id: int):
        # Looked up first: another organisation's invitation is a 404 whatever the body says.
        invitation = _fresh(request, invitation_id)
        data = ResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            reset = session_reset(invitation=invitation, reason=data.validated_data["reason"],
                                  reset_by=request.user, now=_now(request))
        except DjangoValidationError as exc:
            raise _refused(exc) from exc
        return Response(SessionResetOutput(reset).data)


urlpatterns = [
    path("invitations/bulk/", InvitationBulkApi.as_view(), name="api-invitation-bulk"),
    path("invitations/<id:invitation_id>/", InvitationDetailApi.as_view(), name="api-invitation-detail"),
    path("invitations/<id:invitation_id>/resend/", InvitationResendApi.as_view(), name="api-invitation-resend"),
    path("invitations/<id:invitation_id>/revoke/", InvitationRevokeApi.as_view(), name="api-invitation-revoke"),
    path("invitations/<id:invitation_id>/reset/", InvitationResetApi.as_view(), name="api-invitation-reset"),
]
