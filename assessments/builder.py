"""What the test builder shows while a recruiter edits a test template.

Per draw rule: how many published items are eligible and whether the draw can satisfy it. For the
whole template: question count, total points, expected duration and how many distinct forms the
draw can produce. And a preview: one sample draw rendered the way a candidate gets it.

Every function takes a ``spec`` (shape: ``PublishedVersion.spec``), so the numbers are the same for
a saved template (``services.test_template_spec``) and an unsaved draft (``spec_from_sections``).
Eligibility is ``drawing.eligible_pool``'s (published choice questions), never a copy of it.
"""

import math
import random
from dataclasses import dataclass
from decimal import Decimal

from assessments.drawing import Shortfall, choices_order, draw_form, eligible_pool, sections_shuffle
from assessments.models import TestTemplate
from assessments.services import SectionData, test_template_spec
from questionbank.enums import Difficulty, QuestionKind
from questionbank.models import Choice, Question

# How long a candidate needs per item, in seconds: Assay's own planning defaults, not measured
# timings. They only feed the "expected duration" hint next to the time limit.
SECONDS_PER_DIFFICULTY = {Difficulty.EASY: 45, Difficulty.MEDIUM: 75, Difficulty.HARD: 120}
FREE_TEXT_SECONDS = 300
# An "any difficulty" rule with nothing left to draw from is planned as medium.
UNKNOWN_DIFFICULTY_SECONDS = SECONDS_PER_DIFFICULTY[Difficulty.MEDIUM]


@dataclass(frozen=True)
class RuleStats:
    """One draw rule's numbers.

    ``eligible``: published choice questions of the rule's topic (and difficulty, unless "any").
    ``available``: what is left of them when the draw reaches the rule (fixed questions and the
    earlier rules' picks removed, in the draw's order). ``forms``: C(available, count), 0 when short.
    ``shortfall``: the publish check's message for this rule, or ``""``.
    """

    topic: str
    difficulty: str
    count: int
    points: Decimal
    eligible: int
    available: int
    forms: int
    shortfall: str

    @property
    def short_by(self) -> int:
        return max(self.count - self.available, 0)


@dataclass(frozen=True)
class SectionStats:
    title: str
    rules: list[RuleStats]


@dataclass(frozen=True)
class TemplateStats:
    """A template's numbers: ``expected_seconds`` in seconds, ``total_points`` in points;
    ``distinct_forms`` is an exact int (it can exceed 2**53: send it to JSON as a string);
    ``shortfalls`` holds one message per rule the bank cannot satisfy."""

    sections: list[SectionStats]
    question_count: int
    total_points: Decimal
    expected_seconds: int
    distinct_forms: int
    shortfalls: list[str]


def spec_from_sections(sections: list[SectionData]) -> dict:
    """The ``PublishedVersion.spec`` an unsaved draft would publish as (points as strings)."""
    return {
        "sections": [
            {
                "title": s.title,
                "rules": [
                    {"topic_id": r.topic.pk, "topic": r.topic.slug, "difficulty": r.difficulty,
                     "count": r.count, "points": str(r.points)}
                    for r in s.rules
                ],
                "fixed": [{"question_id": f.question.pk, "points": str(f.points)} for f in s.fixed],
            }
            for s in sections
        ]
    }


def template_stats(spec: dict) -> TemplateStats:
    """The builder's numbers for ``spec``; two queries (the eligible pool, the fixed questions).

    Distinct forms are the number of different draws our draw can produce, order ignored: the
    product over rules of C(available, count). The draw takes fixed questions first and rules with
    a difficulty before "any difficulty" rules (``drawing.draw_form``), so an "any" rule's available
    pool excludes the fixed questions and the items the specific rules of its topic take. When two
    rules share items (say "routing, hard" and "routing, any") the same set of questions can come
    from two draws, so for such templates the figure is an upper bound on distinct question sets;
    for rules over disjoint pools it is exact. A rule that cannot be satisfied makes it 0.

    The expected duration uses ``SECONDS_PER_DIFFICULTY`` / ``FREE_TEXT_SECONDS``; an "any" rule
    counts the mean over the items still available to it.
    """
    pool = eligible_pool(spec) if any(s["rules"] for s in spec["sections"]) else {}
    difficulty_of = {qid: difficulty for (_, difficulty), ids in pool.items() if difficulty for qid in ids}
    fixed = [f for s in spec["sections"] for f in s["fixed"]]
    fixed_rows = {
        qid: (kind, difficulty)
        for qid, kind, difficulty in Question.objects.filter(pk__in=[f["question_id"] for f in fixed])
        .values_list("id", "kind", "difficulty")
    }
    used = {f["question_id"] for f in fixed}
    seconds = sum(
        FREE_TEXT_SECONDS if kind == QuestionKind.FREE_TEXT else SECONDS_PER_DIFFICULTY[difficulty]
        for kind, difficulty in (fixed_rows.get(f["question_id"], ("", Difficulty.MEDIUM)) for f in fixed)
    )
    points = sum((Decimal(f["points"]) for f in fixed), Decimal("0"))

    rules = [
        (s_index, r_index, section["title"], rule)
        for s_index, section in enumerate(spec["sections"])
        for r_index, rule in enumerate(section["rules"])
    ]
    results: dict[tuple[int, int], RuleStats] = {}
    forms = 1
    # The draw's own order (drawing.draw_form): specific difficulties first, then spec order.
    for s_index, r_index, title, rule in sorted(rules, key=lambda r: (r[3]["difficulty"] == "", r[0], r[1])):
        eligible = pool.get((rule["topic_id"], rule["difficulty"]), [])
        candidates = [qid for qid in eligible if qid not in used]
        count = rule["count"]
        shortfall = ""
        if len(candidates) < count:
            shortfall = str(Shortfall(title, r_index + 1, rule["topic"], rule["difficulty"], count, len(candidates)))
            rule_forms = 0
        else:
            rule_forms = math.comb(len(candidates), count)
            # Which items an earlier rule takes never changes how many a later one has left: a
            # specific rule's items are all in its topic's "any" pool. So the lowest ids stand in.
            used.update(candidates[:count])
        forms *= rule_forms
        if rule["difficulty"]:
            per_item = SECONDS_PER_DIFFICULTY[rule["difficulty"]]
        elif candidates:
            per_item = sum(SECONDS_PER_DIFFICULTY[difficulty_of[qid]] for qid in candidates) / len(candidates)
        else:
            per_item = UNKNOWN_DIFFICULTY_SECONDS
        seconds += per_item * count
        points += Decimal(rule["points"]) * count
        results[(s_index, r_index)] = RuleStats(
            topic=rule["topic"], difficulty=rule["difficulty"], count=count, points=Decimal(rule["points"]),
            eligible=len(eligible), available=len(candidates), forms=rule_forms, shortfall=shortfall,
        )

    sections = [
        SectionStats(section["title"], [results[(s_index, r_index)] for r_index in range(len(section["rules"]))])
        for s_index, section in enumerate(spec["sections"])
    ]
    return TemplateStats(
        sections=sections,
        question_count=len(fixed) + sum(rule["count"] for *_, rule in rules),
        total_points=points,
        expected_seconds=round(seconds),
        distinct_forms=forms,
        shortfalls=[r.shortfall for s in sections for r in s.rules if r.shortfall],
    )


@dataclass(frozen=True)
class PreviewChoice:
    """A choice as the candidate sees it: text only, never whether it is the key."""

    id: int
    text: str


@dataclass(frozen=True)
class PreviewQuestion:
    position: int
    section_title: str
    points: Decimal
    kind: str
    stem: str
    choices: list[PreviewChoice]


def template_preview(*, template: TestTemplate, seed: int) -> list[PreviewQuestion]:
    """One sample form of ``template``'s current (saved) draft, in the order a candidate would get
    it with ``random.Random(seed)``: questions shuffled within their sections and choices shuffled
    (pinned choices last) when the settings say so. Keys, rationales and explanations are not
    loaded. Raises ``drawing.DrawError`` when a rule cannot be satisfied.
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    form = draw_form(test_template_spec(template), rng)
    if template.shuffle_questions:
        form = sections_shuffle(form, rng)  # as a session start does
    ids = [d.question_id for d in form]
    questions = {q.pk: q for q in Question.objects.filter(pk__in=ids).only("id", "kind", "stem")}
    choices: dict[int, list[Choice]] = {}
    for choice in Choice.objects.filter(question_id__in=ids).order_by("order", "id").only(
            "id", "question_id", "text", "pinned"):
        choices.setdefault(choice.question_id, []).append(choice)
    preview = []
    for position, drawn in enumerate(form, start=1):
        ordered = choices_order(choices.get(drawn.question_id, []), rng if template.shuffle_choices else None)
        question = questions[drawn.question_id]
        preview.append(PreviewQuestion(
            position=position, section_title=drawn.section_title, points=drawn.points, kind=question.kind,
            stem=question.stem, choices=[PreviewChoice(c.pk, c.text) for c in ordered],
        ))
    return preview
