"""Reads of the question bank."""

from django.db.models import Q, QuerySet

from questionbank.enums import QuestionStatus
from questionbank.models import Question, Topic


def topic_list() -> QuerySet[Topic]:
    """All topics, by name."""
    return Topic.objects.order_by("name")


def question_list(
    *, search: str = "", topic: str = "", difficulty: str = "", kind: str = "", status: str = "", source: str = ""
) -> QuerySet[Question]:
    """Questions filtered by free text (stem/tags/ref), exact topic slug, difficulty, kind, status, and
    ``source`` (text in the source reference, e.g. a seed file name).

    Choices and topic are fetched with the questions (two queries whatever the page size).
    """
    qs = Question.objects.select_related("topic").prefetch_related("choices")
    if search:
        qs = qs.filter(Q(stem__icontains=search) | Q(external_ref__icontains=search) | Q(tags__icontains=search))
    if topic:
        qs = qs.filter(topic__slug=topic)
    if difficulty:
        qs = qs.filter(difficulty=difficulty)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source_reference__icontains=source)
    return qs.order_by("topic__name", "id")


def eligible_question_ids(*, topic_id: int, difficulty: str = "") -> list[int]:
    """Ids of published choice questions a draw rule may use, in id order."""
    qs = Question.objects.filter(status=QuestionStatus.PUBLISHED, topic_id=topic_id).exclude(kind="free_text")
    if difficulty:
        qs = qs.filter(difficulty=difficulty)
    return list(qs.order_by("id").values_list("id", flat=True))
