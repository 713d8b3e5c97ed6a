"""Drawing a form (the list of question versions) from a published version's ``spec``.

The same function checks a template at publish time and draws each session at start, so a
version that published can always be drawn while the bank keeps the eligible items.

Order of the draw: fixed questions first (they are never drawn again), then draw rules with a
difficulty before rules without one, so a rule for "routing, any" cannot use up the items a
rule for "routing, hard" needs.

Within a rule the draw is exposure-aware, as Moodle's random question loader is: eligible items
are taken in order of how often they have been drawn before (``exposure``), least first, with
random order among equals. Over many sessions every eligible item is shown about equally often,
which keeps any one item from leaking faster than the others.
"""

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from questionbank.enums import QuestionKind, QuestionStatus
from questionbank.models import Question


@dataclass(frozen=True)
class DrawnQuestion:
    """One drawn item: the question version id, its points and its section's title."""

    question_id: int
    points: Decimal
    section_title: str
    section_index: int


@dataclass(frozen=True)
class Shortfall:
    """A draw rule that the bank cannot satisfy."""

    section_title: str
    rule_number: int  # 1-based within the section
    topic: str
    difficulty: str
    count: int
    eligible: int

    def __str__(self) -> str:
        return (
            f"Section '{self.section_title}', rule {self.rule_number} (topic '{self.topic}', "
            f"difficulty {self.difficulty or 'any'}, count {self.count}): {self.eligible} published "
            f"question(s) eligible, short by {self.count - self.eligible}."
        )


class DrawError(Exception):
    """The spec cannot be drawn; ``shortfalls`` lists every unsatisfiable rule."""

    def __init__(self, shortfalls: list[Shortfall]):
        self.shortfalls = shortfalls
        super().__init__(" ".join(str(s) for s in shortfalls))


def eligible_questions(spec: dict) -> QuerySet[Question]:
    """The published choice questions of the spec's topics, in id order: what a draw rule may use."""
    topic_ids = {rule["topic_id"] for section in spec["sections"] for rule in section["rules"]}
    return (Question.objects.filter(topic_id__in=topic_ids, status=QuestionStatus.PUBLISHED)
            .exclude(kind=QuestionKind.FREE_TEXT).order_by("id"))


def pool_of(rows: Iterable[tuple[int, int, str]]) -> dict[tuple[int, str], list[int]]:
    """``(id, topic_id, difficulty)`` rows of eligible questions, in id order, keyed by ``(topic_id,
    difficulty)`` and by ``(topic_id, "")`` for "any difficulty"."""
    pool: dict[tuple[int, str], list[int]] = defaultdict(list)
    for qid, topic_id, difficulty in rows:
        pool[(topic_id, difficulty)].append(qid)
        pool[(topic_id, "")].append(qid)
    return pool


def eligible_pool(spec: dict) -> dict[tuple[int, str], list[int]]:
    """``eligible_questions`` as ``pool_of`` keys them; one query."""
    return pool_of(eligible_questions(spec).values_list("id", "topic_id", "difficulty"))


def _pick(candidates: list[int], count: int, rng: random.Random | None, exposure: Mapping[int, int] | None):
    if rng is None:
        return candidates[:count]
    if not exposure:
        return rng.sample(candidates, count)
    keyed = sorted((exposure.get(qid, 0), rng.random(), qid) for qid in candidates)
    return [qid for _, _, qid in keyed[:count]]


def draw_form(
    spec: dict, rng: random.Random | None = None, exposure: Mapping[int, int] | None = None,
    *, pool: Mapping[tuple[int, str], list[int]] | None = None,
) -> list[DrawnQuestion]:
    """Draw one form from ``spec`` (shape: ``PublishedVersion.spec``).

    ``exposure`` maps question id → times drawn so far (missing ids count 0); with it, each rule
    takes its least-drawn eligible items, ties broken by ``rng``. With ``rng=None`` the draw is
    deterministic (lowest ids), which is what the publish check uses. No item appears twice;
    only published choice questions are eligible: ``pool`` (as ``eligible_pool`` returns it) when the
    caller has read it already, else one query. Returns questions in section order (fixed, then rules in
    spec order). Raises ``DrawError`` naming every rule the bank cannot satisfy.
    """
    pool = eligible_pool(spec) if pool is None else pool
    used: set[int] = set()
    drawn: dict[tuple[int, int], list[DrawnQuestion]] = {}
    fixed: list[list[DrawnQuestion]] = []
    for s_index, section in enumerate(spec["sections"]):
        items = [
            DrawnQuestion(f["question_id"], Decimal(f["points"]), section["title"], s_index)
            for f in section["fixed"]
        ]
        used.update(d.question_id for d in items)
        fixed.append(items)

    rules = [
        (s_index, r_index, section["title"], rule)
        for s_index, section in enumerate(spec["sections"])
        for r_index, rule in enumerate(section["rules"])
    ]
    shortfalls = []
    for s_index, r_index, title, rule in sorted(rules, key=lambda r: (r[3]["difficulty"] == "", r[0], r[1])):
        candidates = [qid for qid in pool.get((rule["topic_id"], rule["difficulty"]), []) if qid not in used]
        if len(candidates) < rule["count"]:
            shortfalls.append(
                Shortfall(title, r_index + 1, rule["topic"], rule["difficulty"], rule["count"], len(candidates))
            )
            continue
        picked = _pick(candidates, rule["count"], rng, exposure)
        used.update(picked)
        drawn[(s_index, r_index)] = [DrawnQuestion(qid, Decimal(rule["points"]), title, s_index) for qid in picked]
    if shortfalls:
        raise DrawError(sorted(shortfalls, key=lambda s: (s.section_title, s.rule_number)))

    form: list[DrawnQuestion] = []
    for s_index, section in enumerate(spec["sections"]):
        form.extend(fixed[s_index])
        for r_index in range(len(section["rules"])):
            form.extend(drawn[(s_index, r_index)])
    return form


def sections_shuffle(form: list[DrawnQuestion], rng: random.Random) -> list[DrawnQuestion]:
    """``form`` with its questions shuffled within each section; sections keep their order."""
    by_section: dict[int, list[DrawnQuestion]] = {}
    for item in form:
        by_section.setdefault(item.section_index, []).append(item)
    shuffled: list[DrawnQuestion] = []
    for index in sorted(by_section):
        rng.shuffle(by_section[index])
        shuffled.extend(by_section[index])
    return shuffled


def choices_order(choices: list, rng: random.Random | None) -> list:
    """``choices`` (objects with ``pinned``, in their stored order) with the free ones shuffled by
    ``rng`` (none: kept) and the pinned ones ("All of the above") last, in their own order."""
    free = [c for c in choices if not c.pinned]
    if rng:
        rng.shuffle(free)
    return free + [c for c in choices if c.pinned]
