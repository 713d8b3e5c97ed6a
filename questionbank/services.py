"""Writes to the question bank: create, edit (versioning), publish, retire, freeze.

Versioning rule: a question that is ``in_use`` (given to a candidate or frozen in a published
test) is never mutated. ``question_update`` then writes a new version in the same family and
retires the old one if the new one is published.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from questionbank.enums import Difficulty, QuestionKind, QuestionStatus
from questionbank.models import Choice, Question, Topic
from questionbank.selectors import questions_not_known_in_use

QUESTION_FIELDS = (
    "kind", "stem", "topic", "difficulty", "tags", "explanation", "status", "source_reference", "external_ref",
    "valid_for", "checked_against", "model_answer", "interviewer_guidance", "follow_ups", "options_missing",
    "topic_inferred",
)


@dataclass(frozen=True)
class ChoiceData:
    """A choice to write: Markdown ``text``, whether it is a key, pinned, and its rationale."""

    text: str
    is_key: bool = False
    pinned: bool = False
    rationale: str = ""


@dataclass
class QuestionData:
    """Everything that defines one question version (the ``topic`` is a ``Topic`` row)."""

    stem: str
    topic: Topic
    kind: str = QuestionKind.SINGLE_CHOICE
    difficulty: str = Difficulty.MEDIUM
    tags: list[str] = field(default_factory=list)
    explanation: str = ""
    status: str = QuestionStatus.DRAFT
    source_reference: str = ""
    external_ref: str = ""
    valid_for: str = ""
    checked_against: str = ""
    model_answer: str = ""
    interviewer_guidance: str = ""
    follow_ups: list[str] = field(default_factory=list)
    options_missing: bool = False
    topic_inferred: bool = False
    choices: list[ChoiceData] = field(default_factory=list)


def question_validate(data: QuestionData) -> None:
    """Check a question's shape.

    Raises ``ValidationError`` with a field-keyed dict: empty stem, unknown kind/difficulty/
    status, a choice question with fewer than two choices, a single-choice question without
    exactly one key, a multiple-choice question without a key, a free-text question with choices.
    """
    errors: dict[str, list[str]] = {}
    if not data.stem.strip():
        errors.setdefault("stem", []).append("The stem is empty.")
    if data.kind not in QuestionKind.values:
        errors.setdefault("kind", []).append(f"Unknown kind {data.kind!r}; use one of {QuestionKind.values}.")
    if data.difficulty not in Difficulty.values:
        errors.setdefault("difficulty", []).append(
            f"Unknown difficulty {data.difficulty!r}; use one of {Difficulty.values}."
        )
    if data.status not in QuestionStatus.values:
        errors.setdefault("status", []).append(f"Unknown status {data.status!r}; use one of {QuestionStatus.values}.")
    keys = sum(1 for c in data.choices if c.is_key)
    if any(not c.text.strip() for c in data.choices):
        errors.setdefault("choices", []).append("Every choice needs text.")
    if data.kind == QuestionKind.FREE_TEXT:
        if data.choices:
            errors.setdefault("choices", []).append("A free-text question has no choices.")
    elif data.kind in QuestionKind.values and data.options_missing:
        if data.status == QuestionStatus.PUBLISHED:
            errors.setdefault("status", []).append("A question whose options are missing cannot be published.")
    elif data.kind in QuestionKind.values:
        if len(data.choices) < 2:
            errors.setdefault("choices", []).append("A choice question needs at least two choices.")
        if data.kind == QuestionKind.SINGLE_CHOICE and keys != 1:
            errors.setdefault("choices", []).append(f"A single-choice question needs exactly one key (found {keys}).")
        if data.kind == QuestionKind.MULTIPLE_CHOICE and keys < 1:
            errors.setdefault("choices", []).append("A multiple-choice question needs at least one key.")
    if errors:
        raise ValidationError(errors)


def _write_choices(question: Question, choices: Sequence[ChoiceData]) -> None:
    Choice.objects.bulk_create(
        Choice(question=question, text=c.text, is_key=c.is_key, pinned=c.pinned, rationale=c.rationale, order=i)
        for i, c in enumerate(choices)
    )


def question_as_data(question: Question) -> QuestionData:
    """The ``QuestionData`` of a stored version (choices in their order)."""
    return QuestionData(
        **{name: getattr(question, name) for name in QUESTION_FIELDS},
        choices=[
            ChoiceData(text=c.text, is_key=c.is_key, pinned=c.pinned, rationale=c.rationale)
            for c in question.choices.all()
        ],
    )


@transaction.atomic
def question_create(*, data: QuestionData) -> Question:
    """Create version 1 of a new item with its choices. Raises ``ValidationError``."""
    question_validate(data)
    question = Question.objects.create(**{name: getattr(data, name) for name in QUESTION_FIELDS})
    _write_choices(question, data.choices)
    return question


@transaction.atomic
def question_update(*, question: Question, data: QuestionData) -> Question:
    """Apply ``data`` to ``question`` and return the version that now holds it.

    In place when the version is not in use; otherwise a new version of the same family
    (the old one is retired when the new one is published). Raises ``ValidationError``.
    """
    question_validate(data)
    question = Question.objects.select_for_update().get(pk=question.pk)
    if not question.in_use:
        for name in QUESTION_FIELDS:
            setattr(question, name, getattr(data, name))
        question.save()
        question.choices.all().delete()
        _write_choices(question, data.choices)
        if question.status == QuestionStatus.PUBLISHED:
            _retire_other_versions(question)
        return question
    latest = Question.objects.filter(family=question.family).aggregate(v=Max("version"))["v"]
    new = Question.objects.create(
        family=question.family, version=latest + 1,
        **{name: getattr(data, name) for name in QUESTION_FIELDS},
    )
    _write_choices(new, data.choices)
    if new.status == QuestionStatus.PUBLISHED:
        _retire_other_versions(new)
    return new


@transaction.atomic
def question_new_version(*, question: Question) -> Question:
    """Start a new draft version copied from ``question`` (which stays as it is)."""
    data = question_as_data(question)
    data.status = QuestionStatus.DRAFT
    latest = Question.objects.filter(family=question.family).aggregate(v=Max("version"))["v"]
    new = Question.objects.create(
        family=question.family, version=latest + 1,
        **{name: getattr(data, name) for name in QUESTION_FIELDS},
    )
    _write_choices(new, data.choices)
    return new


def _retire_other_versions(question: Question) -> None:
    Question.objects.filter(family=question.family, status=QuestionStatus.PUBLISHED).exclude(
        pk=question.pk
    ).update(status=QuestionStatus.RETIRED)


@transaction.atomic
def question_set_status(*, question: Question, status: str) -> Question:
    """Publish, retire or return to draft. Publishing retires the family's other published version.

    Status is not part of what a candidate sees, so this is allowed on in-use versions;
    retiring removes the item from future draws only. Raises ``ValidationError`` on an
    unknown status or an invalid question being published.
    """
    if status not in QuestionStatus.values:
        raise ValidationError({"status": [f"Unknown status {status!r}."]})
    if status == QuestionStatus.PUBLISHED:
        question_validate(question_as_data(question))
    Question.objects.filter(pk=question.pk).update(status=status)
    question.status = status
    if status == QuestionStatus.PUBLISHED:
        _retire_other_versions(question)
    return question


def questions_mark_in_use(*, question_ids: Iterable[int]) -> int:
    """Freeze the given versions against in-place edits; returns how many were newly frozen.

    No query when this process already knows them all to be in use (``selectors.questions_for_candidates``
    kept them): a start of a test whose questions are all in use costs nothing here.
    """
    ids = questions_not_known_in_use(question_ids)
    return Question.objects.filter(pk__in=ids, in_use=False).update(in_use=True) if ids else 0
