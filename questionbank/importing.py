"""Turning parsed questions (any importer) into bank items: topics, difficulty, duplicates, one transaction.

Document levels map to difficulty (freshers/beginner → easy, juniors/intermediate → medium,
experienced/advanced → hard); document categories map to the Flask taxonomy; where a document
gives no category the topic is inferred from the words of the question and marked as inferred.
Near-duplicates (RapidFuzz on normalised stems) are linked to each other, never dropped.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from rapidfuzz import fuzz

from questionbank.enums import Difficulty, QuestionStatus
from questionbank.importers.base import ImportFormatError, ParsedQuestion
from questionbank.importers.registry import read_text
from questionbank.models import Question, Topic
from questionbank.services import ChoiceData, QuestionData, question_as_data, question_create, question_update

LEVEL_DIFFICULTY = {
    "freshers": Difficulty.EASY, "beginner": Difficulty.EASY,
    "juniors": Difficulty.MEDIUM, "intermediate": Difficulty.MEDIUM,
    "experienced": Difficulty.HARD, "advanced": Difficulty.HARD,
}
# Words of a document category or a question → topic slug; first match wins, so specific before general.
TOPIC_WORDS: list[tuple[str, str]] = [
    (r"celery|background|task queue|\brq\b|scheduler|cron", "background-tasks"),
    (r"cach|performance|async|asgi|websocket|real-time|socketio|concurren|thread", "async-performance-caching"),
    (r"\btest|pytest|mock", "testing"),
    (r"deploy|devops|gunicorn|uwsgi|nginx|docker|production|logging|monitor|system design|\bscal",
     "deployment-operations"),
    (r"sqlalchemy|database|\borm\b|migrat|alembic|\bsql\b|\bmodels?\b", "databases-orm"),
    (r"\bforms?\b|wtf|validat", "forms-validation"),
    (r"auth|login|password|security|csrf|xss|jwt|oauth|session|cookie|permission", "auth-security"),
    (r"\brest\b|restful|\bapis?\b|json|marshmallow|endpoint|versioning|serializ", "rest-apis"),
    (r"jinja|template|filter|macro|render", "templates-jinja2"),
    (r"blueprint|factory|architecture|structure|extension|package", "structure-blueprints"),
    (r"context|\bg\b|before_request|after_request|teardown|signal|hook|middleware", "contexts-hooks-signals"),
    (r"config|environment|\.env|\bcli\b|command|debug", "configuration-cli"),
    (r"rout|url|request|response|redirect|http method|status code|error|abort|upload|static",
     "routing-requests-responses"),
]


def topic_for(words: str) -> str:
    """The taxonomy slug whose keywords first appear in ``words``; ``basics`` when none does."""
    lowered = words.lower()
    return next((slug for pattern, slug in TOPIC_WORDS if re.search(pattern, lowered)), "basics")


def _normalise(stem: str) -> str:
    # Hyphens stay inside words: "Flask-Migrate" is not "Flask" plus "migrate".
    return re.sub(r"[^a-z0-9_\- ]+", " ", stem.lower()).strip()


def is_near_duplicate(a: str, b: str) -> bool:
    """Two stems ask the same thing (RapidFuzz on normalised text): nearly the same words in any order
    (token-sort ratio ≥ 90), or one stem's words, at least three, all within the other's (token-set
    ratio ≥ 95: "What is Flask?" and "What is Flask, in simple words?")."""
    left, right = _normalise(a), _normalise(b)
    if fuzz.token_sort_ratio(left, right) >= 90:
        return True
    return min(len(left.split()), len(right.split())) >= 3 and fuzz.token_set_ratio(left, right) >= 95


@dataclass
class ImportReport:
    """What an import did (or would do with ``dry_run``); ``as_dict`` is the ``--report json`` shape."""

    dry_run: bool
    files: dict[str, int] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    per_topic: Counter = field(default_factory=Counter)
    per_difficulty: Counter = field(default_factory=Counter)
    inferred_topics: int = 0
    options_missing: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run, "files": self.files, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "per_topic": dict(sorted(self.per_topic.items())),
            "per_difficulty": dict(self.per_difficulty), "inferred_topics": self.inferred_topics,
            "options_missing": self.options_missing,
            "duplicates": [{"ref": a, "duplicate_of": b} for a, b in self.duplicates], "skipped": self.skipped,
        }


class DryRunRollback(Exception):
    """Raised inside the transaction to undo a dry run."""


def _ref(parsed: ParsedQuestion) -> str:
    if parsed.ref:
        return parsed.ref
    level = f"{parsed.level}-" if parsed.level else ""
    return f"{Path(parsed.source_file).stem}:{level}{parsed.position}"


def _source(parsed: ParsedQuestion) -> str:
    where = f"{parsed.level} " if parsed.level else ""
    label = "MCQ #" if parsed.options_missing else "Q"
    return f"{parsed.source_file}, {where}{label}{parsed.position} (line {parsed.line})"


def _data(parsed: ParsedQuestion, topics: dict[str, Topic], status: str, topic_override: str) -> QuestionData:
    inferred = not (topic_override or parsed.topic or parsed.category) or parsed.category == "Flask MCQ"
    category_tail = parsed.category.rsplit("/", 1)[-1].strip()
    if topic_override:
        slug = topic_override
    elif category_tail in topics:
        slug, inferred = category_tail, False
    elif parsed.topic:
        slug = parsed.topic
    elif parsed.category and not inferred:
        slug = topic_for(parsed.category + " " + parsed.stem) if "async" in parsed.category.lower() else (
            topic_for(parsed.category))
    else:
        slug = topic_for(parsed.stem)
    if slug not in topics:
        raise ImportFormatError(parsed.source_file, parsed.line, f"topic {slug!r} is not in the bank: load the "
                                "taxonomy (load_seed_bank) or pass --topic")
    difficulty = parsed.difficulty or LEVEL_DIFFICULTY.get(parsed.level.lower(), Difficulty.MEDIUM)
    kind = parsed.kind
    return QuestionData(
        stem=parsed.stem, topic=topics[slug], kind=kind, difficulty=difficulty, tags=parsed.tags,
        explanation=parsed.explanation, model_answer=parsed.answer, interviewer_guidance=parsed.guidance,
        status=QuestionStatus.DRAFT if parsed.options_missing else status,
        source_reference=_source(parsed), external_ref=_ref(parsed), options_missing=parsed.options_missing,
        topic_inferred=inferred and not topic_override,
        choices=[ChoiceData(text=c.text, is_key=c.is_key, rationale=c.rationale) for c in parsed.choices],
    )


def questions_import(
    *, parsed_by_file: dict[str, list[ParsedQuestion]], status: str = QuestionStatus.DRAFT, topic: str = "",
    dry_run: bool = False,
) -> ImportReport:
    """Write parsed questions to the bank in one transaction and report what happened.

    Items are matched by their source reference (file and number), so importing a file twice
    changes nothing. ``topic`` (a slug) overrides the mapping. With ``dry_run`` everything is
    computed and rolled back. Raises ``ImportFormatError`` naming the file and line of a question
    the bank refuses (nothing is written then).
    """
    report = ImportReport(dry_run=dry_run)
    topics = {t.slug: t for t in Topic.objects.all()}
    if topic and topic not in topics:
        raise ImportFormatError("--topic", 0, f"unknown topic {topic!r}; use one of {sorted(topics)}")
    try:
        with transaction.atomic():
            existing = {q.external_ref: q for q in Question.objects.exclude(external_ref="")
                        .prefetch_related("choices").order_by("version")}
            known_stems = [
                (pk, ref or f"question {pk}", stem) for pk, ref, stem in
                Question.objects.exclude(status=QuestionStatus.RETIRED).values_list("pk", "external_ref", "stem")
            ]
            for file_name, parsed_list in parsed_by_file.items():
                report.files[file_name] = len(parsed_list)
                for parsed in parsed_list:
                    data = _data(parsed, topics, status, topic)
                    try:
                        current = existing.get(data.external_ref)
                        if current is None:
                            question = question_create(data=data)
                            report.created += 1
                        elif question_as_data(current) == data:
                            question, report.unchanged = current, report.unchanged + 1
                        else:
                            question = question_update(question=current, data=data)
                            report.updated += 1
                    except ValidationError as exc:
                        raise ImportFormatError(file_name, parsed.line, " ".join(exc.messages)) from exc
                    report.per_topic[data.topic.slug] += 1
                    report.per_difficulty[data.difficulty] += 1
                    report.inferred_topics += data.topic_inferred
                    report.options_missing += data.options_missing
                    for other_pk, other_ref, other_stem in known_stems:
                        if other_pk != question.pk and is_near_duplicate(data.stem, other_stem):
                            question.duplicates.add(other_pk)
                            report.duplicates.append((data.external_ref, other_ref))
                    known_stems.append((question.pk, data.external_ref, data.stem))
            if dry_run:
                raise DryRunRollback
    except DryRunRollback:
        pass
    return report





def text_import(
    *, name: str, text: str, fmt: str = "auto", status: str = QuestionStatus.DRAFT, topic: str = "",
    dry_run: bool = False,
) -> ImportReport:
    """Read one uploaded file (``fmt`` or guessed) and import it; skipped questions are in the report.

    Raises ``ImportFormatError`` naming the file and line; nothing is written then.
    """
    parsed, skipped = read_text(text, name, fmt)
    report = questions_import(parsed_by_file={name: parsed}, status=status, topic=topic, dry_run=dry_run)
    report.skipped += skipped
    return report
