"""Organisations, test templates (sections, draw rules, fixed questions) and published versions.

A ``TestTemplate`` is an editable blueprint. Publishing freezes it into a ``PublishedVersion``
whose settings and ``spec`` never change; sessions always point at a published version.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from questionbank.enums import Difficulty
from questionbank.models import Question, Topic


class Organization(models.Model):
    """A company using the installation; owns templates, candidates and sessions."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A recruiter's membership of an organisation (one organisation per user for now)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class TestSettings(models.Model):
    """Settings a template shares with its published versions (times in seconds)."""

    title = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    time_limit = models.PositiveIntegerField(
        help_text="Seconds from Start to the deadline.", validators=[MinValueValidator(10)]
    )
    grace_period = models.PositiveIntegerField(
        default=30, help_text="Seconds after the deadline during which saves are still accepted."
    )
    pass_mark = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("60"),
        validators=[MinValueValidator(0), MaxValueValidator(100)], help_text="Percent.",
    )
    shuffle_questions = models.BooleanField(default=True)
    shuffle_choices = models.BooleanField(default=True)
    partial_credit = models.BooleanField(
        default=False, help_text="Multiple choice: points × (right picks − wrong picks) / keys."
    )
    negative_marking = models.BooleanField(
        default=False, help_text="Allow a question's score to go below zero (never below −points)."
    )
    show_score_to_candidate = models.BooleanField(default=False)
    fast_answer_threshold = models.PositiveSmallIntegerField(
        default=5, help_text="Seconds: a first answer given faster than this is flagged as a signal for review."
    )

    class Meta:
        abstract = True


class TestTemplate(TestSettings):
    """An editable test blueprint owned by an organisation."""

    __test__ = False  # not a pytest class

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="test_templates")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    """An ordered part of a template holding draw rules and/or fixed questions."""

    template = models.ForeignKey(TestTemplate, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template_id", "order", "id"]

    def __str__(self) -> str:
        return self.title


class DrawRule(models.Model):
    """Draw ``count`` published questions of ``topic`` (and ``difficulty``, if set), each worth ``points``."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="draw_rules")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+")
    difficulty = models.CharField(max_length=10, choices=Difficulty, blank=True, help_text="Blank: any.")
    count = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    points = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["section_id", "order", "id"]

    def __str__(self) -> str:
        return f"{self.count} × {self.topic.slug}/{self.difficulty or 'any'} @ {self.points}"


class FixedQuestion(models.Model):
    """A question version every candidate of the section gets."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="fixed_questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["section_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["section", "question"], name="fixed_question_once_per_section"),
        ]

    def __str__(self) -> str:
        return f"question {self.question_id} @ {self.points}"


class PublishedVersion(TestSettings):
    """An immutable snapshot of a template: its settings and ``spec``.

    ``spec`` shape: ``{"sections": [{"title": str, "rules": [{"topic_id": int, "topic": slug,
    "difficulty": "easy"|"medium"|"hard"|"", "count": int, "points": "1.00"}],
    "fixed": [{"question_id": int, "points": "1.00"}]}]}``.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="published_versions")
    template = models.ForeignKey(TestTemplate, on_delete=models.PROTECT, related_name="published_versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    question_count = models.PositiveIntegerField()
    max_score = models.DecimalField(max_digits=8, decimal_places=2)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="published_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class InterviewKit(models.Model):
    """An editable list of interview (free-text) questions an organisation's interviewers follow live."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="interview_kits")
    title = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    questions = models.ManyToManyField(Question, through="InterviewKitQuestion", related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class InterviewKitQuestion(models.Model):
    kit = models.ForeignKey(InterviewKit, on_delete=models.CASCADE, related_name="kit_questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kit_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["kit", "question"], name="kit_question_once")]

    def __str__(self) -> str:
        return f"{self.kit_id}#{self.order}: {self.question_id}"


class InterviewKitVersion(models.Model):
    """A published kit: its question versions frozen in order (``question_ids``). Immutable."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="interview_kit_versions")
    kit = models.ForeignKey(InterviewKit, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    question_ids = models.JSONField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at"]
        constraints = [models.UniqueConstraint(fields=["kit", "number"], name="kit_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"
