"""Classical test theory statistics, as Moodle's quiz statistics report defines them.

Source: Moodle documentation, "Quiz statistics calculations" (docs.moodle.org/dev/Quiz_statistics_calculations),
and Kuder & Richardson (1937) / Cronbach (1951) for reliability. Pure functions over plain numbers:
item scores are fractions of the item's maximum (0..1), totals are sums of those fractions.
"""

from collections.abc import Sequence
from math import sqrt
from statistics import fmean, median


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (n − 1 in the denominator, as Moodle uses); SD 0 below 2 values."""
    if not values:
        return 0.0, 0.0
    m = fmean(values)
    if len(values) < 2:
        return m, 0.0
    return m, sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def covariance(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Sample covariance of paired values."""
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = fmean(xs), fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (n - 1)


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; ``None`` when either variable does not vary (undefined)."""
    _, sx = mean_sd(xs)
    _, sy = mean_sd(ys)
    if sx == 0 or sy == 0:
        return None
    return covariance(xs, ys) / (sx * sy)


def facility_index(item_scores: Sequence[float]) -> float:
    """F = mean item score / maximum item score; with scores as fractions, their mean (0..1)."""
    return fmean(item_scores) if item_scores else 0.0


def discrimination_index(item_scores: Sequence[float], rest_scores: Sequence[float]) -> float | None:
    """D = r(x_i, X − x_i): the correlation of the item with the rest of the test (−1..1)."""
    return correlation(item_scores, rest_scores)


def discriminative_efficiency(item_scores: Sequence[float], rest_scores: Sequence[float]) -> float | None:
    """DE = Cov(x_i, X_rest) / Cov_max(x_i, X_rest), where Cov_max pairs both variables sorted in the
    same order: the most the item could discriminate given both distributions (Moodle). 0..1 for
    positively discriminating items; ``None`` when undefined."""
    cov_max = covariance(sorted(item_scores), sorted(rest_scores))
    if cov_max <= 0:
        return None
    return covariance(item_scores, rest_scores) / cov_max


def point_biserial(chose: Sequence[bool], rest_scores: Sequence[float]) -> float | None:
    """r_pb of choosing an option with the rest-of-test score: Pearson's r with a 0/1 variable."""
    return correlation([1.0 if c else 0.0 for c in chose], rest_scores)


def cronbach_alpha(matrix: Sequence[Sequence[float]]) -> float | None:
    """α = k / (k − 1) · (1 − Σ σ²_i / σ²_X) over a complete persons × items matrix (rows: persons).

    For 0/1 items this is KR-20, with σ²_i = p_i q_i on the same (n − 1) basis. ``None`` when fewer
    than two items or persons, or the total scores do not vary.
    """
    if len(matrix) < 2 or len(matrix[0]) < 2:
        return None
    k = len(matrix[0])
    item_variances = [mean_sd([row[i] for row in matrix])[1] ** 2 for i in range(k)]
    total_variance = mean_sd([sum(row) for row in matrix])[1] ** 2
    if total_variance == 0:
        return None
    return k / (k - 1) * (1 - sum(item_variances) / total_variance)


def standard_error_of_measurement(total_sd: float, alpha: float | None) -> float | None:
    """SEM = SD_X · √(1 − α); ``None`` without a reliability estimate (or with a negative α)."""
    if alpha is None or alpha < 0:
        return None
    return total_sd * sqrt(1 - alpha)


def median_or_none(values: Sequence[float]) -> float | None:
    return median(values) if values else None
