"""Topics, questions (items) and their choices.

A ``Question`` row is one *version* of an item. Versions of the same item share a ``family``
(UUID) and are numbered from 1. Once a version has been given to a candidate it is
``in_use`` and is never mutated again: an edit makes a new version, so old sessions keep
showing and scoring the version they were given.
"""

import uuid

from django.db import models

from questionbank.enums import Difficulty, QuestionKind, QuestionStatus


class Topic(models.Model):
    """A node of the Flask taxonomy (``basics``, ``templates-jinja2`` ...)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """One version of an item: a stem (Markdown), its kind, difficulty, topic and choices."""

    family = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    external_ref = models.CharField(
        max_length=100, blank=True, db_index=True,
        help_text="Stable id from an import or the seed bank (e.g. mcq-001-01).",
    )
    kind = models.CharField(max_length=20, choices=QuestionKind, default=QuestionKind.SINGLE_CHOICE)
    stem = models.TextField(help_text="Markdown; code in fenced blocks.")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="questions")
    difficulty = models.CharField(max_length=10, choices=Difficulty, default=Difficulty.MEDIUM)
    tags = models.JSONField(default=list, blank=True)
    explanation = models.TextField(blank=True, help_text="Markdown; shown only after a session.")
    status = models.CharField(
        max_length=10, choices=QuestionStatus, default=QuestionStatus.DRAFT, db_index=True
    )
    source_reference = models.CharField(max_length=255, blank=True)
    valid_for = models.CharField(max_length=60, blank=True, help_text='Flask versions the key holds for, e.g. ">=2.3".')
    checked_against = models.CharField(max_length=300, blank=True,
                                       help_text="The documentation the key was verified against.")
    model_answer = models.TextField(blank=True, help_text="Free text: the model answer (Markdown).")
    interviewer_guidance = models.TextField(blank=True, help_text="Free text: what a strong answer shows.")
    follow_ups = models.JSONField(default=list, blank=True)
    options_missing = models.BooleanField(
        default=False, help_text="Imported as a multiple-choice stem without its options: complete before publishing."
    )
    topic_inferred = models.BooleanField(
        default=False, help_text="The source gave no category: topic guessed from text."
    )
    duplicates = models.ManyToManyField("self", blank=True, symmetrical=True,
                                        help_text="Near-duplicates found across sources (linked, never dropped).")
    in_use = models.BooleanField(
        default=False, editable=False,
        help_text="Given to a candidate or frozen in a published test: never edited in place.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="question_family_version_unique"),
        ]
        indexes = [models.Index(fields=["status", "topic", "difficulty"], name="question_draw_idx")]

    def __str__(self) -> str:
        first_line = self.stem.strip().splitlines()[0] if self.stem.strip() else ""
        return f"{first_line[:80]} (v{self.version})"


class Choice(models.Model):
    """An option of a question: the key (``is_key``) or a distractor."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.TextField(help_text="Markdown (inline).")
    is_key = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)
    pinned = models.BooleanField(
        default=False, help_text='Keep in place when shuffling (e.g. "All of these" last).'
    )
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["question_id", "order", "id"]

    def __str__(self) -> str:
        return self.text[:80]
