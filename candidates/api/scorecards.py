"""Recruiter API for interview scorecards (organisation-scoped; an interviewer edits only their own)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.api.permissions import IsRecruiter
from assessments.enums import Rating, Recommendation
from assessments.models import InterviewKitVersion
from candidates.models import Candidate, Scorecard
from candidates.scorecards import (
    interview_report,
    scorecard_amend,
    scorecard_rate,
    scorecard_start,
    scorecard_submit,
)


class ScorecardOutput(serializers.ModelSerializer):
    ratings = serializers.SerializerMethodField()

    class Meta:
        model = Scorecard
        fields = ["id", "kit_version", "candidate", "interviewer", "status", "recommendation", "notes", "ratings",
                  "submitted_at"]

    def get_ratings(self, card) -> dict:
        return {str(r.question_id): {"rating": r.rating, "notes": r.notes} for r in card.ratings.all()}


def _own_scorecard(request, scorecard_id: int) -> Scorecard:
    card = (Scorecard.objects.filter(organization=request.organization, interviewer=request.user, pk=scorecard_id)
            .select_related("kit_version").prefetch_related("ratings").first())
    if card is None:
        raise Http404("No such scorecard.")
    return card


def _validation(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict)


class ScorecardStartInput(serializers.Serializer):
    kit_version = serializers.IntegerField(min_value=1)
    candidate = serializers.IntegerField(min_value=1)


class ScorecardStartApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=ScorecardStartInput, responses={201: ScorecardOutput},
                   summary="Open (or reopen) your scorecard for a candidate and a published kit")
    def post(self, request):
        data = ScorecardStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        org = request.organization
        version = InterviewKitVersion.objects.filter(organization=org, pk=data.validated_data["kit_version"]).first()
        candidate = Candidate.objects.filter(organization=org, pk=data.validated_data["candidate"]).first()
        if version is None or candidate is None:
            raise ValidationError({"kit_version" if version is None else "candidate": ["Not found."]})
        card = scorecard_start(kit_version=version, candidate=candidate, interviewer=request.user)
        return Response(ScorecardOutput(_own_scorecard(request, card.pk)).data, status=status.HTTP_201_CREATED)


class ScorecardDetailApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(responses=ScorecardOutput, summary="Your scorecard")
    def get(self, request, scorecard_id: int):
        return Response(ScorecardOutput(_own_scorecard(request, scorecard_id)).data)


class RatingInput(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices, allow_null=True)
    notes = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class ScorecardRateApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=RatingInput, responses=dict, summary="Autosave a question's rating and notes")
    def put(self, request, scorecard_id: int, question_id: int):
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            row = scorecard_rate(scorecard=_own_scorecard(request, scorecard_id), question_id=question_id,
                                 now=timezone.now(), **data.validated_data)
        except DjangoValidationError as exc:
            raise _validation(exc) from exc
        return Response({"question": question_id, "rating": row.rating, "notes": row.notes,
                         "updated_at": row.updated_at})


class SubmitInput(serializers.Serializer):
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    notes = serializers.CharField(max_length=10000, required=False, default="", allow_blank=True)


class ScorecardSubmitApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=SubmitInput, responses=ScorecardOutput, summary="Submit your scorecard (read-only after)")
    def post(self, request, scorecard_id: int):
        data = SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            scorecard_submit(scorecard=_own_scorecard(request, scorecard_id), now=timezone.now(), **data.validated_data)
        except DjangoValidationError as exc:
            raise _validation(exc) from exc
        return Response(ScorecardOutput(_own_scorecard(request, scorecard_id)).data)


class AmendInput(serializers.Serializer):
    question = serializers.IntegerField(min_value=1)
    rating = serializers.ChoiceField(choices=Rating.choices)
    reason = serializers.CharField(max_length=500)


class ScorecardAmendApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=AmendInput, responses={201: dict}, summary="Amend a submitted rating (recorded)")
    def post(self, request, scorecard_id: int):
        data = AmendInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            amendment = scorecard_amend(scorecard=_own_scorecard(request, scorecard_id), question_id=values["question"],
                                        rating=values["rating"], reason=values["reason"], by=request.user,
                                        now=timezone.now())
        except DjangoValidationError as exc:
            raise _validation(exc) from exc
        return Response({"old": amendment.old_value, "new": amendment.new_value, "reason": amendment.reason},
                        status=status.HTTP_201_CREATED)


class InterviewReportApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(responses=dict, summary="A candidate's interview scorecards, agreement and per-topic picture")
    def get(self, request, candidate_id: int, version_id: int):
        org = request.organization
        candidate = Candidate.objects.filter(organization=org, pk=candidate_id).first()
        version = InterviewKitVersion.objects.filter(organization=org, pk=version_id).first()
        if candidate is None or version is None:
            raise Http404("No such candidate or kit.")
        return Response(interview_report(candidate=candidate, kit_version=version))
