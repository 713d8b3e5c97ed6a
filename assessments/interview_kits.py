"""Interview kits: lists of free-text questions for live interviews, published into immutable versions."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from assessments.models import InterviewKit, InterviewKitQuestion, InterviewKitVersion, Organization
from questionbank.enums import QuestionKind, QuestionStatus
from questionbank.models import Question, Topic
from questionbank.services import questions_mark_in_use


@dataclass(frozen=True)
class KitDrawRule:
    """Add ``count`` published interview questions of ``topic`` (and ``difficulty``, if set)."""

    topic: Topic
    count: int
    difficulty: str = ""


@transaction.atomic
def interview_kit_create(
    *, organization: Organization, title: str, created_by=None, role: str = "", questions: list[Question] = (),
    rules: list[KitDrawRule] = (),
) -> InterviewKit:
    """A kit from picked questions and/or draw rules (resolved now, lowest ids first, no repeats).

    Raises ``ValidationError``: a picked question that is not a published free-text question, a rule
    the bank cannot satisfy (naming it and the shortfall), or an empty kit.
    """
    errors: list[str] = []
    chosen = list(questions)
    bad = [q.pk for q in chosen if q.kind != QuestionKind.FREE_TEXT or q.status != QuestionStatus.PUBLISHED]
    errors += [f"Question {pk} is not a published interview (free-text) question." for pk in bad]
    for n, rule in enumerate(rules, start=1):
        pool = Question.objects.filter(kind=QuestionKind.FREE_TEXT, status=QuestionStatus.PUBLISHED, topic=rule.topic)
        if rule.difficulty:
            pool = pool.filter(difficulty=rule.difficulty)
        drawn = list(pool.exclude(pk__in=[q.pk for q in chosen]).order_by("id")[: rule.count])
        if len(drawn) < rule.count:
            short = rule.count - len(drawn)
            errors.append(f"Rule {n} (topic '{rule.topic.slug}', difficulty {rule.difficulty or 'any'}, count "
                          f"{rule.count}): {len(drawn)} interview question(s) available, short by {short}.")
        chosen += drawn
    if not chosen and not errors:
        errors.append("A kit needs at least one question.")
    if errors:
        raise ValidationError({"questions": errors})
    kit = InterviewKit.objects.create(organization=organization, title=title, role=role, created_by=created_by)
    InterviewKitQuestion.objects.bulk_create(
        InterviewKitQuestion(kit=kit, question=q, order=i) for i, q in enumerate(chosen)
    )
    return kit


@transaction.atomic
def interview_kit_publish(*, kit: InterviewKit, published_by=None) -> InterviewKitVersion:
    """Freeze the kit's questions (in order) into a new version; the questions are frozen against edits."""
    kit = InterviewKit.objects.select_for_update().get(pk=kit.pk)
    question_ids = list(kit.kit_questions.order_by("order", "id").values_list("question_id", flat=True))
    if not question_ids:
        raise ValidationError({"questions": ["A kit needs at least one question."]})
    number = (kit.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    questions_mark_in_use(question_ids=question_ids)
    return InterviewKitVersion.objects.create(organization=kit.organization, kit=kit, number=number, title=kit.title,
                                              question_ids=question_ids, published_by=published_by)
