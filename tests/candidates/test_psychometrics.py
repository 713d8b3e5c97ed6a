"""The formulas against a small response matrix computed by hand.

Five candidates × four 0/1 items:

    person  i1 i2 i3 i4  total
    A        1  1  1  1    4
    B        1  1  1  0    3
    C        1  1  0  0    2
    D        1  0  0  0    1
    E        0  0  0  1    1

Item variances (n−1): i1 p=.8 → 0.2, i2 p=.6 → 0.3, i3 p=.4 → 0.3, i4 p=.4 → 0.3; Σ = 1.1.
Totals 4,3,2,1,1: mean 2.2, variance (3.24+0.64+0.04+1.44+1.44)/4 = 1.7.
KR-20 = 4/3 · (1 − 1.1/1.7) = 0.470588...; SEM = √1.7 · √(1 − 0.470588) = 0.948683...
Item 2 against the rest (totals − i2 = 3,2,1,1,1): cov = 1.2/4 = 0.3, var 0.3 and 0.8,
r = 0.3 / √0.24 = 0.612372...; sorted pairing (0,0,1,1,1)·(1,1,1,2,3) also gives cov 0.3 → DE = 1.
Item 4 (the miskeyed-looking one) against the rest (3,3,2,1,0): cov = −0.6/4 = −0.15, var 0.3 and 1.7,
r = −0.15 / √0.51 = −0.210042...; sorted pairing (0,0,0,1,1)·(0,1,2,3,3): cov_max = 2.4/4 = 0.6 → DE = −0.25.
"""

import pytest

from candidates.psychometrics import (
    cronbach_alpha,
    discrimination_index,
    discriminative_efficiency,
    facility_index,
    mean_sd,
    point_biserial,
    standard_error_of_measurement,
)

MATRIX = [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]


def column(i):
    return [row[i] for row in MATRIX]


def rest(i):
    return [sum(row) - row[i] for row in MATRIX]


def test_psychometrics_facility_and_sd():
    assert facility_index(column(0)) == pytest.approx(0.8)
    assert mean_sd(column(1)) == pytest.approx((0.6, 0.5477225575))


def test_psychometrics_cronbach_alpha_kr20_and_sem():
    alpha = cronbach_alpha(MATRIX)
    assert alpha == pytest.approx(4 / 3 * (1 - 1.1 / 1.7))
    assert alpha == pytest.approx(0.4705882353)
    assert standard_error_of_measurement(mean_sd([sum(r) for r in MATRIX])[1], alpha) == pytest.approx(0.9486832981)


def test_psychometrics_discrimination_index_is_correlation_with_rest():
    assert discrimination_index(column(1), rest(1)) == pytest.approx(0.3 / 0.24 ** 0.5)
    assert discrimination_index(column(3), rest(3)) == pytest.approx(-0.15 / 0.51 ** 0.5)


def test_psychometrics_discriminative_efficiency_against_sorted_pairing():
    assert discriminative_efficiency(column(1), rest(1)) == pytest.approx(1.0)
    assert discriminative_efficiency(column(3), rest(3)) == pytest.approx(-0.25)


def test_psychometrics_point_biserial_of_a_choice():
    chose = [False, False, False, True, True]          # the two weakest picked this distractor
    assert point_biserial(chose, [4, 3, 2, 1, 1]) < 0
    assert point_biserial([True] * 5, [4, 3, 2, 1, 1]) is None     # everyone: undefined


def test_psychometrics_undefined_cases():
    assert cronbach_alpha([[1, 1], [1, 1]]) is None
    assert discrimination_index([1, 1, 1], [1, 2, 3]) is None
    assert standard_error_of_measurement(1.0, None) is None
