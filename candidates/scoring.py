"""Scoring a finished session.

Per question worth ``p`` points, with keys ``K``, selected choices ``S`` and ``n`` choices:

- single choice: ``p`` if ``S == K`` (the key and nothing else), else 0;
- multiple choice, all-or-nothing (default): ``p`` if ``S == K``, else 0;
- multiple choice with ``partial_credit``: ``p * (|S ∩ K| - |S \\ K|) / |K|``, floored at 0
  (at ``-p`` with ``negative_marking``) — the "right minus wrong" rule of Moodle's
  multiple-answer question with negative penalties per wrong choice;
- ``negative_marking`` on an all-or-nothing question: a non-empty wrong answer scores
  ``-p / (n - 1)``, the classic correction for guessing (formula scoring), so random guessing
  has an expected score of 0. An unanswered question always scores 0.

Raw score is the sum; percent score is ``100 * raw / max`` clamped to [0, 100]; pass/fail
compares the percent score with the template's pass mark (percent).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from questionbank.enums import QuestionKind

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class QuestionScore:
    question_id: int
    topic_slug: str
    topic_name: str
    points: Decimal
    score: Decimal
    correct: bool
    answered: bool


def score_question(
    *, kind: str, points: Decimal, keys: set[int], selected: set[int], n_choices: int,
    partial_credit: bool, negative_marking: bool,
) -> Decimal:
    """Score one answer (see the module docstring for the formulas). Returns points, 2 places."""
    if not selected:
        return Decimal("0.00")
    if kind == QuestionKind.MULTIPLE_CHOICE and partial_credit:
        ratio = Decimal(len(selected & keys) - len(selected - keys)) / Decimal(len(keys))
        floor = Decimal(-1) if negative_marking else Decimal(0)
        return (points * max(ratio, floor)).quantize(TWO_PLACES, ROUND_HALF_UP)
    if selected == keys:
        return points.quantize(TWO_PLACES)
    if negative_marking and n_choices > 1:
        return (-points / Decimal(n_choices - 1)).quantize(TWO_PLACES, ROUND_HALF_UP)
    return Decimal("0.00")


@dataclass(frozen=True)
class AnswerScore:
    """One question's outcome: points scored, whether it was answered and fully right, and whether
    it still waits for a grade (a written answer not yet rated)."""

    score: Decimal
    answered: bool
    correct: bool
    ungraded: bool = False


def answer_score(
    *, kind: str, points: Decimal, keys: set[int], n_choices: int, selected: list[int], text: str,
    rating: int | None, partial_credit: bool, negative_marking: bool,
) -> AnswerScore:
    """Score one stored answer of any kind. Choice questions: ``score_question``. Free-text questions
    are graded on the anchored 0–3 scale: ``points × rating / 3``; an ungraded answer scores 0 for now
    and marks the session's score provisional."""
    if kind == QuestionKind.FREE_TEXT:
        written = bool(text.strip())
        score = (points * rating / 3).quantize(TWO_PLACES) if rating is not None else Decimal("0.00")
        return AnswerScore(score, answered=written, correct=rating == 3, ungraded=written and rating is None)
    score = score_question(kind=kind, points=points, keys=keys, selected=set(selected), n_choices=n_choices,
                           partial_credit=partial_credit, negative_marking=negative_marking)
    return AnswerScore(score, answered=bool(selected), correct=bool(selected) and set(selected) == keys)


def percent(score: Decimal, maximum: Decimal) -> Decimal:
    """``100 * score / maximum`` clamped to [0, 100], 2 places; 0 when ``maximum`` is 0."""
    if maximum <= 0:
        return Decimal("0.00")
    value = Decimal(100) * score / maximum
    return min(max(value, Decimal(0)), Decimal(100)).quantize(TWO_PLACES, ROUND_HALF_UP)


FEW_ITEMS = 3


def topic_breakdown(scores: list[QuestionScore]) -> list[dict]:
    """Per-topic totals: ``[{"topic", "slug", "questions", "score", "max", "percent", "few_items"}]``
    (strings for decimals); ``few_items`` warns that fewer than 3 questions carry the topic's score."""
    by_topic: dict[str, dict] = {}
    for s in scores:
        row = by_topic.setdefault(
            s.topic_slug, {"topic": s.topic_name, "slug": s.topic_slug, "questions": 0,
                           "score": Decimal(0), "max": Decimal(0)},
        )
        row["questions"] += 1
        row["score"] += s.score
        row["max"] += s.points
    rows = []
    for row in sorted(by_topic.values(), key=lambda r: r["topic"]):
        rows.append({**row, "percent": str(percent(row["score"], row["max"])),
                     "score": str(row["score"]), "max": str(row["max"]), "few_items": row["questions"] < FEW_ITEMS})
    return rows
