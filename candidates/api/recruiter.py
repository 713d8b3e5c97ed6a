"""Recruiter API for invitations and results, scoped to the organisation."""

from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.api.permissions import IsRecruiter
from assessments.selectors import published_version_get
from candidates.errors import SessionClosed
from candidates.integrity import integrity_summary
from candidates.models import Invitation, TestSession
from candidates.reports import report_email_state, session_score, session_time_used
from candidates.score_bands import score_band
from candidates.selectors import (
    invitation_list_for_recruiter,
    session_get_for_recruiter,
    session_list_for_recruiter,
)
from candidates.services import invitation_create, response_grade, session_extend_time, sessions_sweep


class InvitationInput(serializers.Serializer):
    published_version = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField()
    expires_in_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    expires_at = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        if "expires_in_days" in attrs and "expires_at" in attrs:
            raise serializers.ValidationError({"expires_at": "Give expires_at or expires_in_days, not both."})
        return attrs


class InvitationOutput(serializers.ModelSerializer):
    candidate_name = serializers.CharField(source="candidate.name")
    candidate_email = serializers.CharField(source="candidate.email")

    class Meta:
        model = Invitation
        fields = ["id", "published_version", "candidate_name", "candidate_email", "status", "expires_at", "created_at"]


class InvitationCreatedOutput(InvitationOutput):
    link = serializers.CharField(help_text="The candidate's personal link; shown only once.")

    class Meta(InvitationOutput.Meta):
        fields = [*InvitationOutput.Meta.fields, "link"]


class InvitationListApi(generics.ListAPIView):
    """``GET``: the organisation's invitations (paginated); ``POST``: invite a candidate."""

    permission_classes = [IsRecruiter]
    serializer_class = InvitationOutput

    def get_queryset(self):
        return invitation_list_for_recruiter(organization=self.request.organization)

    @extend_schema(request=InvitationInput, responses={201: InvitationCreatedOutput},
                   summary="Invite a candidate (emails the link)")
    def post(self, request):
        data = InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        now = timezone.now()
        try:
            version = published_version_get(organization=request.organization, version_id=values["published_version"])
        except Exception as exc:
            raise ValidationError({"published_version": ["No such published version."]}) from exc
        expires_at = values.get("expires_at") or now + timedelta(days=values.get("expires_in_days", 7))
        try:
            issued = invitation_create(
                published_version=version, name=values["name"], email=values["email"], expires_at=expires_at,
                invited_by=request.user, now=now,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        issued.invitation.link = issued.link
        return Response(InvitationCreatedOutput(issued.invitation).data, status=status.HTTP_201_CREATED)


class SessionResultOutput(serializers.ModelSerializer):
    candidate_name = serializers.CharField(source="invitation.candidate.name")
    candidate_email = serializers.CharField(source="invitation.candidate.email")
    test_title = serializers.CharField(source="published_version.title")
    time_used = serializers.SerializerMethodField(help_text="Seconds from start to finish.")

    class Meta:
        model = TestSession
        fields = [
            "id", "invitation", "published_version", "test_title", "candidate_name", "candidate_email", "status",
            "started_at", "deadline", "finished_at", "time_used", "raw_score", "max_score", "percent_score",
            "passed", "provisional", "topic_breakdown",
        ]

    def get_time_used(self, obj) -> int | None:
        return session_time_used(obj)


class SessionListApi(generics.ListAPIView):
    """Results: the organisation's test sessions (paginated)."""

    permission_classes = [IsRecruiter]
    serializer_class = SessionResultOutput

    def get_queryset(self):
        # Lazy expiry for the recruiter's view: correct even when no worker is running.
        sessions_sweep(now=timezone.now(), organization_id=self.request.organization.pk)
        return session_list_for_recruiter(organization=self.request.organization)


class SessionResultDetailOutput(SessionResultOutput):
    integrity = serializers.DictField(required=False, help_text="Integrity summary, once the session is finished.")
    report_email = serializers.DictField(required=False, allow_null=True,
                                         help_text="Delivery of the report email: status, to, attempts, last_error.")
    score_band = serializers.ListField(child=serializers.DecimalField(max_digits=5, decimal_places=2),
                                       required=False, allow_null=True,
                                       help_text="Percent score ± one standard error of measurement.")

    class Meta(SessionResultOutput.Meta):
        fields = [*SessionResultOutput.Meta.fields, "integrity", "report_email", "score_band"]


class SessionResultApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(responses=SessionResultDetailOutput, summary="One session's result")
    def get(self, request, session_id: int):
        sessions_sweep(now=timezone.now(), organization_id=request.organization.pk)
        session = session_get_for_recruiter(organization=request.organization, session_id=session_id)
        data = SessionResultOutput(session).data
        if not session.is_open:
            data["integrity"] = integrity_summary(session=session, scored=session_score(session=session).questions)
            data["report_email"] = report_email_state(session)
            band = score_band(session)
            data["score_band"] = [str(band[0]), str(band[1])] if band else None
        return Response(data)


class ExtendTimeInput(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=1, max_value=24 * 3600)
    reason = serializers.CharField(max_length=500)


class SessionExtendTimeApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=ExtendTimeInput, responses=SessionResultOutput,
                   summary="Give one candidate more time (recorded with who and why)")
    def post(self, request, session_id: int):
        data = ExtendTimeInput(data=request.data)
        data.is_valid(raise_exception=True)
        session = session_get_for_recruiter(organization=request.organization, session_id=session_id)
        try:
            session = session_extend_time(session=session, granted_by=request.user, now=request._request.received_at,
                                          **data.validated_data)
        except SessionClosed as exc:
            return Response({"code": exc.code, "detail": str(exc)}, status=exc.http_status)
        return Response(SessionResultOutput(session).data)


class GradeInput(serializers.Serializer):
    rating = serializers.IntegerField(min_value=0, max_value=3, help_text="0 no answer, 1 weak, 2 solid, 3 strong.")


class ResponseGradeApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=GradeInput, responses=SessionResultOutput,
                   summary="Grade a free-text answer of a finished session (the score is provisional until all are)")
    def put(self, request, session_id: int, question_id: int):
        data = GradeInput(data=request.data)
        data.is_valid(raise_exception=True)
        session = session_get_for_recruiter(organization=request.organization, session_id=session_id)
        try:
            session = response_grade(session=session, question_id=question_id, rating=data.validated_data["rating"],
                                     graded_by=request.user, now=timezone.now())
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(SessionResultOutput(session).data)
