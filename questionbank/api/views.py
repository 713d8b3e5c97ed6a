"""Recruiter API over the shared question bank (read-only here; curation is in the admin)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from questionbank.enums import Difficulty, QuestionKind, QuestionStatus
from questionbank.models import Choice, Question, Topic
from questionbank.selectors import question_list, topic_list


class TopicOutput(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "slug", "name"]


class ChoiceOutput(serializers.ModelSerializer):
    class Meta:
        model = Choice
        fields = ["id", "text", "is_key", "pinned", "rationale"]


class QuestionOutput(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    choices = ChoiceOutput(many=True, read_only=True)

    class Meta:
        model = Question
        fields = [
            "id", "family", "version", "external_ref", "kind", "stem", "topic", "difficulty", "tags",
            "explanation", "status", "source_reference", "valid_for", "checked_against", "model_answer",
            "interviewer_guidance", "follow_ups", "options_missing", "topic_inferred", "in_use", "choices",
        ]


class TopicListApi(generics.ListAPIView):
    serializer_class = TopicOutput
    pagination_class = None

    def get_queryset(self):
        return topic_list()


class QuestionFilter(serializers.Serializer):
    """Query parameters of the bank search; invalid values are a 400 naming the parameter."""

    search = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    topic = serializers.SlugField(required=False, default="", allow_blank=True)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False, default="", allow_blank=True)
    kind = serializers.ChoiceField(choices=QuestionKind.choices, required=False, default="", allow_blank=True)
    status = serializers.ChoiceField(choices=QuestionStatus.choices, required=False, default="", allow_blank=True)
    source = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)


@extend_schema(parameters=[QuestionFilter])
class QuestionListApi(generics.ListAPIView):
    """Search and filter the bank."""

    serializer_class = QuestionOutput

    def get_queryset(self):
        filters = QuestionFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return question_list(**filters.validated_data)


class QuestionDetailApi(generics.RetrieveAPIView):
    serializer_class = QuestionOutput

    def get_queryset(self):
        return question_list()
