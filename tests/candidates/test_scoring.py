from decimal import Decimal

import pytest

from candidates.scoring import percent, score_question

P = Decimal("2")


@pytest.mark.parametrize(
    ("kind", "keys", "selected", "partial", "negative", "expected"),
    [
        ("single_choice", {1}, {1}, False, False, "2.00"),
        ("single_choice", {1}, {2}, False, False, "0.00"),
        ("single_choice", {1}, set(), False, True, "0.00"),            # unanswered never costs
        ("single_choice", {1}, {2}, False, True, "-0.67"),            # -p/(n-1), n=4
        ("multiple_choice", {1, 2}, {1, 2}, False, False, "2.00"),
        ("multiple_choice", {1, 2}, {1}, False, False, "0.00"),       # all-or-nothing
        ("multiple_choice", {1, 2}, {1}, True, False, "1.00"),        # p*(1-0)/2
        ("multiple_choice", {1, 2}, {1, 3}, True, False, "0.00"),     # p*(1-1)/2
        ("multiple_choice", {1, 2}, {3, 4}, True, False, "0.00"),     # floored at 0
        ("multiple_choice", {1, 2}, {3, 4}, True, True, "-2.00"),     # floored at -p
        ("multiple_choice", {1, 2}, {1, 2, 3}, True, False, "1.00"),  # p*(2-1)/2
    ],
)
def test_score_question_formulas(kind, keys, selected, partial, negative, expected):
    score = score_question(kind=kind, points=P, keys=keys, selected=selected, n_choices=4,
                           partial_credit=partial, negative_marking=negative)
    assert score == Decimal(expected)


def test_percent_clamps_and_rounds():
    assert percent(Decimal("1"), Decimal("3")) == Decimal("33.33")
    assert percent(Decimal("-1"), Decimal("3")) == Decimal("0.00")
    assert percent(Decimal("1"), Decimal("0")) == Decimal("0.00")


def test_topic_breakdown_warns_below_three_items():
    from candidates.scoring import QuestionScore, topic_breakdown

    def score(slug, n):
        return [QuestionScore(question_id=i, topic_slug=slug, topic_name=slug.title(), points=Decimal(1),
                              score=Decimal(1), correct=True, answered=True) for i in range(n)]

    rows = topic_breakdown(score("routing", 2) + score("templates", 3))

    assert [(r["slug"], r["questions"], r["few_items"]) for r in rows] == [("routing", 2, True),
                                                                           ("templates", 3, False)]
