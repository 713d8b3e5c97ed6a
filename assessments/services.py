"""Writes for organisations, test templates and published versions."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from assessments.drawing import DrawError, draw_form
from assessments.models import DrawRule, FixedQuestion, Organization, PublishedVersion, Section, TestTemplate
from questionbank.enums import QuestionStatus
from questionbank.models import Question, Topic
from questionbank.services import questions_mark_in_use

SETTINGS_FIELDS = (
    "title", "role", "description", "time_limit", "grace_period", "pass_mark", "shuffle_questions",
    "shuffle_choices", "partial_credit", "negative_marking", "show_score_to_candidate", "fast_answer_threshold",
)


@dataclass(frozen=True)
class DrawRuleData:
    """Draw ``count`` questions of ``topic`` (and ``difficulty`` unless blank), each worth ``points``."""

    topic: Topic
    count: int
    difficulty: str = ""
    points: Decimal = Decimal("1")


@dataclass(frozen=True)
class FixedQuestionData:
    question: Question
    points: Decimal = Decimal("1")


@dataclass
class SectionData:
    title: str
    rules: list[DrawRuleData] = field(default_factory=list)
    fixed: list[FixedQuestionData] = field(default_factory=list)


def _template_check(template: TestTemplate, sections: list[SectionData]) -> None:
    """Raise one field-keyed ``ValidationError`` naming every problem of ``template``'s settings
    and of ``sections`` (section problems under ``sections``, one message each)."""
    errors: dict[str, list[str]] = {}
    try:
        template.full_clean(exclude=["organization", "created_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    problems: list[str] = []
    if not sections:
        problems.append("A test needs at least one section.")
    for i, section in enumerate(sections, start=1):
        name = f"Section {i} ('{section.title}')"
        if not section.title.strip():
            problems.append(f"Section {i} needs a title.")
        if not section.rules and not section.fixed:
            problems.append(f"{name} has no draw rules or questions.")
        for n, rule in enumerate(section.rules, start=1):
            if rule.count < 1:
                problems.append(f"{name}, rule {n}: draw at least 1 question.")
            if rule.points < 0:
                problems.append(f"{name}, rule {n}: points cannot be negative.")
        seen: set[int] = set()
        for fixed in section.fixed:
            if fixed.question.pk in seen:
                problems.append(f"{name}: question {fixed.question.pk} is listed twice.")
            seen.add(fixed.question.pk)
            if fixed.points < 0:
                problems.append(f"{name}, question {fixed.question.pk}: points cannot be negative.")
    # Free-text questions may be fixed questions; they only have to exist.
    fixed_ids = {f.question.pk for s in sections for f in s.fixed}
    missing = fixed_ids - set(Question.objects.filter(pk__in=fixed_ids).values_list("pk", flat=True))
    problems += [f"Question {qid} does not exist." for qid in sorted(missing, key=str)]
    if problems:
        errors["sections"] = problems
    if errors:
        raise ValidationError(errors)


def _sections_write(template: TestTemplate, sections: list[SectionData]) -> None:
    for s_order, section in enumerate(sections):
        row = Section.objects.create(template=template, title=section.title, order=s_order)
        DrawRule.objects.bulk_create(
            DrawRule(section=row, topic=r.topic, difficulty=r.difficulty, count=r.count, points=r.points, order=i)
            for i, r in enumerate(section.rules)
        )
        FixedQuestion.objects.bulk_create(
            FixedQuestion(section=row, question=f.question, points=f.points, order=i)
            for i, f in enumerate(section.fixed)
        )


@transaction.atomic
def test_template_create(
    *, organization: Organization, created_by=None, settings: dict, sections: list[SectionData]
) -> TestTemplate:
    """Create a template with its ordered sections, draw rules and fixed questions.

    ``settings`` holds the ``TestSettings`` fields (``time_limit``/``grace_period``/
    ``fast_answer_threshold`` in seconds, ``pass_mark`` in percent). Raises ``ValidationError``
    (field-keyed; section problems under ``sections``) on invalid values, a section with neither
    rules nor fixed questions, a question fixed twice in a section or a fixed question that does
    not exist (free-text questions are allowed).
    """
    template = TestTemplate(organization=organization, created_by=created_by,
                            **{k: v for k, v in settings.items() if k in SETTINGS_FIELDS})
    _template_check(template, sections)
    template.save()
    _sections_write(template, sections)
    return template


@transaction.atomic
def test_template_update(*, template: TestTemplate, settings: dict, sections: list[SectionData]) -> TestTemplate:
    """Replace ``template``'s settings, sections, draw rules and fixed questions (a full replace:
    settings fields not in ``settings`` go back to their defaults). Units and validation as
    ``test_template_create``; on ``ValidationError`` nothing changes, in the database or in the
    ``template`` passed in. Published versions are untouched: the edit is the next draft.
    Returns the updated template (a fresh instance).
    """
    locked = TestTemplate.objects.select_for_update().get(pk=template.pk)
    for name in SETTINGS_FIELDS:
        value = settings[name] if name in settings else TestTemplate._meta.get_field(name).get_default()
        setattr(locked, name, value)
    _template_check(locked, sections)
    locked.save()
    locked.sections.all().delete()
    _sections_write(locked, sections)
    return locked


def test_template_spec(template: TestTemplate) -> dict:
    """The ``PublishedVersion.spec`` the template's saved draft publishes as (shape documented on
    ``PublishedVersion``; points as decimal strings)."""
    sections = template.sections.prefetch_related("draw_rules__topic", "fixed_questions__question")
    return {
        "sections": [
            {
                "title": section.title,
                "rules": [
                    {"topic_id": r.topic_id, "topic": r.topic.slug, "difficulty": r.difficulty,
                     "count": r.count, "points": str(r.points)}
                    for r in section.draw_rules.all()
                ],
                "fixed": [
                    {"question_id": f.question_id, "points": str(f.points)} for f in section.fixed_questions.all()
                ],
            }
            for section in sections
        ]
    }


@transaction.atomic
def test_template_publish(*, template: TestTemplate, published_by=None) -> PublishedVersion:
    """Freeze ``template`` into a new immutable ``PublishedVersion`` (numbered 1, 2, ...).

    Fixed questions are frozen against in-place edits. Raises ``ValidationError`` with a
    ``sections`` message per draw rule the published bank cannot satisfy (naming the rule and
    the shortfall) and per fixed question that is not a published choice question.
    """
    template = TestTemplate.objects.select_for_update().get(pk=template.pk)
    spec = test_template_spec(template)
    errors: list[str] = []
    fixed_ids = [f["question_id"] for s in spec["sections"] for f in s["fixed"]]
    fixed_ok = set(
        Question.objects.filter(pk__in=fixed_ids, status=QuestionStatus.PUBLISHED).values_list("pk", flat=True)
    )
    errors += [f"Fixed question {qid} is not a published question." for qid in fixed_ids if qid not in fixed_ok]
    if not spec["sections"]:
        errors.append("A test needs at least one section.")
    try:
        form = draw_form(spec)
    except DrawError as exc:
        errors += [str(s) for s in exc.shortfalls]
        form = []
    if errors:
        raise ValidationError({"sections": errors})
    number = (template.published_versions.aggregate(n=Max("number"))["n"] or 0) + 1
    questions_mark_in_use(question_ids=fixed_ids)
    return PublishedVersion.objects.create(
        organization=template.organization, template=template, number=number, spec=spec,
        question_count=len(form), max_score=sum((d.points for d in form), Decimal("0")),
        published_by=published_by,
        **{name: getattr(template, name) for name in SETTINGS_FIELDS},
    )
