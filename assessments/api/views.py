"""Recruiter API for test templates and published versions, scoped to the organisation."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.api.permissions import IsRecruiter
from assessments.models import DrawRule, FixedQuestion, PublishedVersion, Section, TestTemplate
from assessments.selectors import test_template_get, test_template_list
from assessments.services import (
    SETTINGS_FIELDS,
    DrawRuleData,
    FixedQuestionData,
    SectionData,
    test_template_create,
    test_template_publish,
)
from questionbank.api.fields import TopicSlugField
from questionbank.enums import Difficulty
from questionbank.models import Question, Topic


class DrawRuleIO(serializers.ModelSerializer):
    topic = TopicSlugField(slug_field="slug", queryset=Topic.objects.all())
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, allow_blank=True, default="")
    count = serializers.IntegerField(min_value=1, max_value=200)
    points = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, default=1)

    class Meta:
        model = DrawRule
        fields = ["topic", "difficulty", "count", "points"]


class FixedQuestionIO(serializers.ModelSerializer):
    question = serializers.PrimaryKeyRelatedField(queryset=Question.objects.all())
    points = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, default=1)

    class Meta:
        model = FixedQuestion
        fields = ["question", "points"]


class SectionIO(serializers.ModelSerializer):
    draw_rules = DrawRuleIO(many=True, required=False, default=list)
    fixed_questions = FixedQuestionIO(many=True, required=False, default=list)

    class Meta:
        model = Section
        fields = ["title", "draw_rules", "fixed_questions"]


class PublishedVersionOutput(serializers.ModelSerializer):
    class Meta:
        model = PublishedVersion
        fields = ["id", "template", "number", "title", "time_limit", "grace_period", "pass_mark",
                  "question_count", "max_score", "published_at", "spec"]


class TestTemplateIO(serializers.ModelSerializer):
    sections = SectionIO(many=True)
    published_versions = PublishedVersionOutput(many=True, read_only=True)

    class Meta:
        model = TestTemplate
        fields = ["id", *SETTINGS_FIELDS, "sections", "published_versions", "created_at"]
        read_only_fields = ["id", "created_at"]


class TestTemplateListApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(responses=TestTemplateIO(many=True), summary="The organisation's test templates")
    def get(self, request):
        return Response(TestTemplateIO(test_template_list(organization=request.organization), many=True).data)

    @extend_schema(request=TestTemplateIO, responses={201: TestTemplateIO}, summary="Create a test template")
    def post(self, request):
        data = TestTemplateIO(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        sections = [
            SectionData(
                title=s["title"],
                rules=[DrawRuleData(**r) for r in s.get("draw_rules", [])],
                fixed=[FixedQuestionData(**f) for f in s.get("fixed_questions", [])],
            )
            for s in values.pop("sections")
        ]
        try:
            template = test_template_create(
                organization=request.organization, created_by=request.user, settings=values, sections=sections
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        template = test_template_get(organization=request.organization, template_id=template.pk)
        return Response(TestTemplateIO(template).data, status=status.HTTP_201_CREATED)


class TestTemplateDetailApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(responses=TestTemplateIO, summary="One test template")
    def get(self, request, template_id: int):
        template = test_template_get(organization=request.organization, template_id=template_id)
        return Response(TestTemplateIO(template).data)


class TestTemplatePublishApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=None, responses={201: PublishedVersionOutput},
                   summary="Publish: freeze the template into a new published version")
    def post(self, request, template_id: int):
        template = test_template_get(organization=request.organization, template_id=template_id)
        try:
            version = test_template_publish(template=template, published_by=request.user)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(PublishedVersionOutput(version).data, status=status.HTTP_201_CREATED)
