"""Recruiter API for interview kits (organisation-scoped)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.api.permissions import IsRecruiter
from assessments.enums import RATING_ANCHORS, Rating
from assessments.interview_kits import KitDrawRule, interview_kit_create, interview_kit_publish
from assessments.kit_pdf import kit_pdf
from assessments.models import InterviewKit, InterviewKitVersion
from questionbank.api.fields import TopicSlugField
from questionbank.enums import Difficulty
from questionbank.models import Question, Topic
from questionbank.rendering import render_markdown


class KitRuleInput(serializers.Serializer):
    topic = TopicSlugField(slug_field="slug", queryset=Topic.objects.all())
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, allow_blank=True, default="")
    count = serializers.IntegerField(min_value=1, max_value=50)


class KitInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    questions = serializers.PrimaryKeyRelatedField(queryset=Question.objects.all(), many=True, required=False,
                                                   default=list)
    rules = KitRuleInput(many=True, required=False, default=list)


class KitOutput(serializers.ModelSerializer):
    questions = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()

    class Meta:
        model = InterviewKit
        fields = ["id", "title", "role", "questions", "versions", "created_at"]

    def get_questions(self, kit) -> list[int]:
        return [kq.question_id for kq in kit.kit_questions.all()]

    def get_versions(self, kit) -> list[dict]:
        return [{"id": v.pk, "number": v.number} for v in kit.versions.all()]


def _kits(request):
    return InterviewKit.objects.filter(organization=request.organization).prefetch_related("kit_questions", "versions")


class KitListApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(responses=KitOutput(many=True), summary="The organisation's interview kits")
    def get(self, request):
        return Response(KitOutput(_kits(request), many=True).data)

    @extend_schema(request=KitInput, responses={201: KitOutput}, summary="Create an interview kit")
    def post(self, request):
        data = KitInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            kit = interview_kit_create(
                organization=request.organization, title=values["title"], role=values["role"],
                created_by=request.user, questions=values["questions"],
                rules=[KitDrawRule(**rule) for rule in values["rules"]],
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(KitOutput(_kits(request).get(pk=kit.pk)).data, status=status.HTTP_201_CREATED)


class KitPublishApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=None, responses={201: dict}, summary="Publish the kit as a new version")
    def post(self, request, kit_id: int):
        kit = _kits(request).filter(pk=kit_id).first()
        if kit is None:
            raise Http404("No such interview kit.")
        version = interview_kit_publish(kit=kit, published_by=request.user)
        return Response({"id": version.pk, "number": version.number, "question_ids": version.question_ids},
                        status=status.HTTP_201_CREATED)


class KitVersionApi(APIView):
    """The interviewer's view of a published kit: each question with its model answer, what a strong
    answer shows and follow-ups, plus the rating anchors. Never served to candidates."""

    permission_classes = [IsRecruiter]

    @extend_schema(responses=dict, summary="A published kit for the interviewer")
    def get(self, request, version_id: int):
        version = InterviewKitVersion.objects.filter(organization=request.organization, pk=version_id).first()
        if version is None:
            raise Http404("No such interview kit version.")
        questions = {q.pk: q for q in Question.objects.filter(pk__in=version.question_ids).select_related("topic")}
        return Response({
            "id": version.pk, "title": version.title, "number": version.number,
            "scale": [{"rating": r.value, "label": r.label, "anchor": RATING_ANCHORS[r]} for r in Rating],
            "questions": [
                {"id": q.pk, "topic": q.topic.slug, "difficulty": q.difficulty, "stem_html": render_markdown(q.stem),
                 "model_answer_html": render_markdown(q.model_answer),
                 "strong_answer_html": render_markdown(q.interviewer_guidance), "follow_ups": q.follow_ups}
                for q in (questions[pk] for pk in version.question_ids)
            ],
        })


class KitPdfApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(responses={(200, "application/pdf"): bytes}, summary="The printable kit (PDF)")
    def get(self, request, version_id: int):
        version = InterviewKitVersion.objects.filter(organization=request.organization, pk=version_id).first()
        if version is None:
            raise Http404("No such interview kit version.")
        response = HttpResponse(kit_pdf(version), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="interview-kit-{version.pk}-v{version.number}.pdf"'
        return response
