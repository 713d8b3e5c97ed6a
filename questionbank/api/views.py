"""Recruiter API over the shared question bank (read-only here; curation is in the admin)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

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
            "explanation", "status", "source_reference", "in_use", "choices",
        ]


class TopicListApi(generics.ListAPIView):
    serializer_class = TopicOutput
    pagination_class = None

    def get_queryset(self):
        return topic_list()


@extend_schema(parameters=[
    OpenApiParameter("search", str, description="Text in the stem, tags or ref."),
    OpenApiParameter("topic", str, description="Topic slug."),
    OpenApiParameter("difficulty", str, enum=["easy", "medium", "hard"]),
    OpenApiParameter("kind", str, enum=["single_choice", "multiple_choice", "free_text"]),
    OpenApiParameter("status", str, enum=["draft", "published", "retired"]),
])
class QuestionListApi(generics.ListAPIView):
    """Search and filter the bank."""

    serializer_class = QuestionOutput

    def get_queryset(self):
        p = self.request.query_params
        return question_list(
            search=p.get("search", ""), topic=p.get("topic", ""), difficulty=p.get("difficulty", ""),
            kind=p.get("kind", ""), status=p.get("status", ""),
        )


class QuestionDetailApi(generics.RetrieveAPIView):
    serializer_class = QuestionOutput

    def get_queryset(self):
        return question_list()
