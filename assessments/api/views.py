"""Recruiter API for test templates and published versions, scoped to the organisation."""

import secrets

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.api.permissions import IsRecruiter
from assessments.builder import spec_from_sections, template_preview, template_stats
from assessments.drawing import DrawError
from assessments.models import DrawRule, FixedQuestion, PublishedVersion, Section, TestTemplate
from assessments.selectors import (
    published_version_get,
    published_version_list,
    test_template_get,
    test_template_list,
)
from assessments.services import (
    SETTINGS_FIELDS,
    DrawRuleData,
    FixedQuestionData,
    SectionData,
    test_template_create,
    test_template_publish,
    test_template_update,
)
from questionbank.api.fields import TopicSlugField
from questionbank.enums import Difficulty
from questionbank.models import Question, Topic
from questionbank.rendering import render_inline_markdown, render_markdown


class DrawRuleIO(serializers.ModelSerializer):
    topic = TopicSlugField(slug_field="slug", queryset=Topic.objects.all(),
                           error_messages={"null": "Choose a topic.", "required": "Choose a topic."})
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, allow_blank=True, default="")
    count = serializers.IntegerField(min_value=1, max_value=200)
    points = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, default=1)

    class Meta:
        model = DrawRule
        fields = ["topic", "difficulty", "count", "points"]


class FixedQuestionIO(serializers.ModelSerializer):
    question = serializers.PrimaryKeyRelatedField(
        queryset=Question.objects.all(), error_messages={"null": "Enter a question id.", "incorrect_type":
                                                         "Enter a question id (a number)."})
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
        fields = ["id", "template", "number", *SETTINGS_FIELDS, "question_count", "max_score", "published_at",
                  "spec"]


class TestTemplateIO(serializers.ModelSerializer):
    sections = SectionIO(many=True)
    published_versions = PublishedVersionOutput(many=True, read_only=True)

    class Meta:
        model = TestTemplate
        fields = ["id", *SETTINGS_FIELDS, "sections", "published_versions", "created_at"]
        read_only_fields = ["id", "created_at"]


def sections_data(sections: list[dict]) -> list[SectionData]:
    """``SectionIO`` validated data → the services' ``SectionData`` (order kept)."""
    return [
        SectionData(
            title=s["title"],
            rules=[DrawRuleData(**r) for r in s.get("draw_rules", [])],
            fixed=[FixedQuestionData(**f) for f in s.get("fixed_questions", [])],
        )
        for s in sections
    ]


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
        sections = sections_data(values.pop("sections"))
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

    @extend_schema(request=TestTemplateIO, responses=TestTemplateIO,
                   summary="Replace a test template's settings and sections (the next draft)")
    def put(self, request, template_id: int):
        template = test_template_get(organization=request.organization, template_id=template_id)
        data = TestTemplateIO(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        sections = sections_data(values.pop("sections"))
        try:
            test_template_update(template=template, settings=values, sections=sections)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
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


class StatsInput(serializers.Serializer):
    sections = SectionIO(many=True)


class RuleStatsOutput(serializers.Serializer):
    topic = serializers.CharField()
    difficulty = serializers.CharField()
    count = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    eligible = serializers.IntegerField(help_text="Published choice questions of the topic (and difficulty).")
    available = serializers.IntegerField(help_text="Eligible items left when the draw reaches the rule.")
    short_by = serializers.IntegerField()
    shortfall = serializers.CharField(help_text="Why the rule cannot be drawn; empty when it can.")


class SectionStatsOutput(serializers.Serializer):
    title = serializers.CharField()
    rules = RuleStatsOutput(many=True)


class StatsOutput(serializers.Serializer):
    sections = SectionStatsOutput(many=True)
    question_count = serializers.IntegerField()
    total_points = serializers.DecimalField(max_digits=12, decimal_places=2)
    expected_seconds = serializers.IntegerField(help_text="Seconds, from our per-difficulty defaults.")
    distinct_forms = serializers.CharField(help_text="An integer as a string: it can exceed 2^53.")
    shortfalls = serializers.ListField(child=serializers.CharField())


class TestTemplateStatsApi(APIView):
    """Live numbers for the builder, for saved or unsaved drafts (nothing is written)."""

    permission_classes = [IsRecruiter]

    @extend_schema(request=StatsInput, responses=StatsOutput,
                   summary="Eligible items per draw rule, total points, expected duration, distinct forms")
    def post(self, request):
        data = StatsInput(data=request.data)
        data.is_valid(raise_exception=True)
        stats = template_stats(spec_from_sections(sections_data(data.validated_data["sections"])))
        return Response(StatsOutput(stats).data)


class PreviewQuery(serializers.Serializer):
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1)


class PreviewChoiceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    html = serializers.SerializerMethodField()

    def get_html(self, choice) -> str:
        return render_inline_markdown(choice.text)


class PreviewQuestionOutput(serializers.Serializer):
    position = serializers.IntegerField()
    section_title = serializers.CharField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    kind = serializers.CharField()
    stem = serializers.CharField()
    stem_html = serializers.SerializerMethodField()
    choices = PreviewChoiceOutput(many=True)

    def get_stem_html(self, question) -> str:
        return render_markdown(question.stem)


class PreviewOutput(serializers.Serializer):
    seed = serializers.IntegerField()
    questions = PreviewQuestionOutput(many=True)


class TestTemplatePreviewApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(parameters=[PreviewQuery], responses=PreviewOutput,
                   summary="A sample draw of the saved draft as a candidate sees it (no keys)")
    def get(self, request, template_id: int):
        template = test_template_get(organization=request.organization, template_id=template_id)
        query = PreviewQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        seed = query.validated_data.get("seed", secrets.randbits(32))
        try:
            questions = template_preview(template=template, seed=seed)
        except DrawError as exc:
            raise ValidationError({"sections": [str(s) for s in exc.shortfalls]}) from exc
        return Response(PreviewOutput({"seed": seed, "questions": questions}).data)


class PublishedVersionFilter(serializers.Serializer):
    template = serializers.IntegerField(required=False, min_value=1, max_value=10**18)


@extend_schema(parameters=[PublishedVersionFilter], summary="The organisation's published versions, newest first")
class PublishedVersionListApi(generics.ListAPIView):
    permission_classes = [IsRecruiter]
    serializer_class = PublishedVersionOutput

    def get_queryset(self):
        filters = PublishedVersionFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return published_version_list(organization=self.request.organization,
                                      template_id=filters.validated_data.get("template"))


class PublishedVersionDetailApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(responses=PublishedVersionOutput, summary="One published version (read-only)")
    def get(self, request, version_id: int):
        version = published_version_get(organization=request.organization, version_id=version_id)
        return Response(PublishedVersionOutput(version).data)
