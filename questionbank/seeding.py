"""Load the curated bank (``seeds/``) into the database, idempotently.

Format: ``seeds/README.md``. Items are matched by ``ref`` (stored as ``external_ref``): an
unchanged item is left alone, a changed one goes through ``question_update`` (in place, or a
new version when in use). The whole load is one transaction: an error anywhere leaves the
bank as it was.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from questionbank.enums import QuestionStatus
from questionbank.models import Question, Topic
from questionbank.services import (
    ChoiceData,
    QuestionData,
    question_as_data,
    question_create,
    question_update,
)


class SeedError(Exception):
    """A seed file is malformed; the message names the file and line."""


@dataclass
class SeedLoadReport:
    """Counts of what a load did."""

    topics_created: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.topics_created or self.created or self.updated)


def _read_yaml_list(path: Path) -> list[tuple[int, dict]]:
    """Return ``[(line, item)]`` for a YAML file holding a list of mappings."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
        items = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise SeedError(f"{path}:{line}: invalid YAML: {exc.problem or exc}") from exc
    if items is None:
        return []
    if not isinstance(items, list) or root is None:
        raise SeedError(f"{path}:1: expected a list of items")
    lines = [node.start_mark.line + 1 for node in root.value]
    for line, item in zip(lines, items, strict=True):
        if not isinstance(item, dict):
            raise SeedError(f"{path}:{line}: expected a mapping, got {type(item).__name__}")
    return list(zip(lines, items, strict=True))


def _question_data(item: dict, topics: dict[str, Topic], where: str) -> QuestionData:
    required = ("ref", "topic", "difficulty", "kind", "stem")
    missing = [k for k in required if k not in item]
    if item.get("kind") != "free_text" and "choices" not in item:
        missing.append("choices")
    if missing:
        raise SeedError(f"{where}: missing field(s): {', '.join(missing)}")
    if item["topic"] not in topics:
        raise SeedError(f"{where}: unknown topic {item['topic']!r} (not in topics.yaml)")
    try:
        choices = [
            ChoiceData(
                text=str(c["text"]).strip(), is_key=bool(c.get("key", False)),
                pinned=bool(c.get("pinned", False)), rationale=str(c.get("rationale", "")).strip(),
            )
            for c in item.get("choices", [])
        ]
    except (KeyError, TypeError) as exc:
        raise SeedError(f"{where}: every choice needs a `text`") from exc
    return QuestionData(
        stem=str(item["stem"]).strip(),
        topic=topics[item["topic"]],
        kind=item["kind"],
        difficulty=item["difficulty"],
        tags=[str(t) for t in item.get("tags", [])],
        explanation=str(item.get("explanation", "")).strip(),
        status=item.get("status", QuestionStatus.PUBLISHED),
        source_reference=str(item.get("source", "curated")),
        external_ref=str(item["ref"]),
        valid_for=str(item.get("valid_for", "")),
        checked_against=str(item.get("checked", "")),
        model_answer=str(item.get("model_answer", "")).strip(),
        interviewer_guidance=str(item.get("strong_answer", "")).strip(),
        follow_ups=[str(f) for f in item.get("follow_ups", [])],
        choices=choices,
    )


@transaction.atomic
def seed_bank_load(*, directory: Path) -> SeedLoadReport:
    """Load ``directory/topics.yaml`` and ``directory/questions/*.yaml``.

    Returns a ``SeedLoadReport``. Raises ``SeedError`` (file and line in the message) on
    malformed input; nothing is written then.
    """
    report = SeedLoadReport()
    topics_path = directory / "topics.yaml"
    topics: dict[str, Topic] = {t.slug: t for t in Topic.objects.all()}
    for line, item in _read_yaml_list(topics_path):
        if "slug" not in item or "name" not in item:
            raise SeedError(f"{topics_path}:{line}: a topic needs `slug` and `name`")
        if item["slug"] not in topics:
            topics[item["slug"]] = Topic.objects.create(slug=item["slug"], name=item["name"])
            report.topics_created += 1
    report.files.append(str(topics_path))

    latest: dict[str, Question] = {}
    for q in Question.objects.exclude(external_ref="").prefetch_related("choices").order_by("version"):
        latest[q.external_ref] = q
    seen: dict[str, str] = {}
    for path in sorted((directory / "questions").glob("*.yaml")):
        report.files.append(str(path))
        for line, item in _read_yaml_list(path):
            where = f"{path}:{line}"
            data = _question_data(item, topics, where)
            if data.external_ref in seen:
                raise SeedError(f"{where}: duplicate ref {data.external_ref!r} (first at {seen[data.external_ref]})")
            seen[data.external_ref] = where
            try:
                existing = latest.get(data.external_ref)
                if existing is None:
                    question_create(data=data)
                    report.created += 1
                elif question_as_data(existing) == data:
                    report.unchanged += 1
                else:
                    question_update(question=existing, data=data)
                    report.updated += 1
            except ValidationError as exc:
                raise SeedError(f"{where}: item {data.external_ref}: {_flatten(exc)}") from exc
    return report


def _flatten(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def coverage_table() -> str:
    """Published items per topic × difficulty (multiple choice), with interview questions and shares."""
    from collections import Counter

    from django.db.models import Count

    from questionbank.enums import Difficulty, QuestionKind

    counts: Counter = Counter()
    for row in (Question.objects.filter(status=QuestionStatus.PUBLISHED)
                .values("topic__name", "difficulty", "kind").annotate(n=Count("id"))):
        counts[(row["topic__name"], row["difficulty"], row["kind"] == QuestionKind.FREE_TEXT)] += row["n"]
    topics = sorted({topic for topic, _, _ in counts})
    total_mc = sum(n for (_, _, free), n in counts.items() if not free) or 1
    lines = [f"{'topic':36} {'easy':>5} {'medium':>6} {'hard':>5} {'share':>6} {'interview':>9}"]
    for topic in topics:
        cells = [counts.get((topic, d, False), 0) for d in Difficulty.values]
        interview = sum(counts.get((topic, d, True), 0) for d in Difficulty.values)
        lines.append(f"{topic:36} {cells[0]:>5} {cells[1]:>6} {cells[2]:>5} {100 * sum(cells) / total_mc:>5.1f}%"
                     f" {interview:>9}")
    lines.append(f"{'multiple-choice items':36} {total_mc:>19}")
    return "\n".join(lines)
