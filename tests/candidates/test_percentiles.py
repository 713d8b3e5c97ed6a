"""Percentile rank: 100 × (below + ½·equal) / N (Crocker & Algina; Wikipedia "Percentile rank")."""

from decimal import Decimal

import pytest

from candidates.percentiles import percentile_rank


def test_percentile_hand_computed_example():
    # Ten scores; 70 has 6 below it (40 45 50 55 60 65) and 2 equal: 100 × (6 + 1) / 10 = 70.
    scores = [40, 45, 50, 55, 60, 65, 70, 70, 85, 95]

    assert percentile_rank(70, scores) == 70.0
    assert percentile_rank(40, scores) == 5.0     # (0 + ½) / 10
    assert percentile_rank(95, scores) == 95.0    # (9 + ½) / 10: never 100


def test_percentile_ties_share_one_rank():
    scores = [Decimal("50.00"), Decimal("50.00"), Decimal("50.00"), Decimal("100.00")]

    assert percentile_rank(Decimal("50.00"), scores) == 37.5   # (0 + 1.5) / 4
    assert percentile_rank(Decimal("100.00"), scores) == 87.5  # (3 + ½) / 4


def test_percentile_single_score_is_fifty():
    assert percentile_rank(Decimal("80.00"), [Decimal("80.00")]) == 50.0


def test_percentile_all_equal_is_fifty():
    assert percentile_rank(60, [60] * 7) == 50.0


def test_percentile_empty_or_in_progress_is_none():
    assert percentile_rank(50, []) is None
    assert percentile_rank(None, [10, 20]) is None


@pytest.mark.parametrize(("score", "expected"), [(0, 0.0), (15, 33.3), (100, 100.0)])
def test_percentile_score_outside_the_list_counts_no_ties(score, expected):
    assert percentile_rank(score, [10, 20, 30]) == expected


def test_percentile_rounds_to_one_decimal():
    assert percentile_rank(2, [1, 2, 3]) == 50.0
    assert percentile_rank(1, [1, 2, 3]) == 16.7   # 100 × ½ / 3
