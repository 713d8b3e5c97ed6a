"""Classical test theory statistics, as Moodle's quiz statistics report defines them.

Source: Moodle documentation, "Quiz statistics calculations" (docs.moodle.org/dev/Quiz_statistics_calculations),
and Kuder & Richardson (1937) / Cronbach (1951) for reliability. Pure functions over plain numbers:
item scores are fractions of the item's maximum (0..1), totals are sums of those fractions.

The ``*_columns`` / ``*_array`` variants at the end compute the same over NumPy arrays, for the
thousands of sessions ``candidates.item_statistics`` reads; they follow the pure functions step by
step (means by ``fsum`` as ``fmean`` does, sums left to right as ``sum`` does), so they agree with
them to the last bit or so, and exactly on whether a result is ``None``.
"""

from collections.abc import Sequence
from math import fsum, sqrt
from statistics import fmean, median

import numpy as np


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


# Vectorised variants. Arrays are float64; an (n, k) array holds k variables over the same n persons.


def _fmean_columns(matrix: np.ndarray) -> np.ndarray:
    # fsum, as fmean: exact before the one division, so a constant column gives the same mean (and
    # hence the same zero or non-zero spread) as the pure functions.
    return np.array([fsum(column) for column in matrix.T.tolist()]) / matrix.shape[0]


def _sum_columns(matrix: np.ndarray) -> np.ndarray:
    # Left to right like the builtin sum (np.sum adds pairwise): the same rounding, hence the same
    # sign of a covariance near 0, and with it the same flags.
    return np.cumsum(matrix, axis=0)[-1]


def mean_sd_columns(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``mean_sd`` of each column of an (n, k) array: two arrays of shape (k,)."""
    n, k = matrix.shape
    if n == 0:
        return np.zeros(k), np.zeros(k)
    means = _fmean_columns(matrix)
    if n < 2:
        return means, np.zeros(k)
    return means, np.sqrt(_sum_columns((matrix - means) ** 2) / (n - 1))


def covariance_columns(matrix: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """``covariance`` of each column of an (n, k) array with one (n,) variable: shape (k,)."""
    n, k = matrix.shape
    if n < 2:
        return np.zeros(k)
    products = (matrix - _fmean_columns(matrix)) * (ys - _fmean_columns(ys[:, None]))[:, None]
    return _sum_columns(products) / (n - 1)


def correlation_columns(matrix: np.ndarray, ys: np.ndarray) -> list[float | None]:
    """``correlation`` of each column of an (n, k) array with one (n,) variable: k values, ``None``
    where the column or ``ys`` does not vary."""
    _, sx = mean_sd_columns(matrix)
    _, sy = mean_sd_columns(ys[:, None])
    sy = float(sy[0])
    covariances = covariance_columns(matrix, ys)
    return [None if s == 0 or sy == 0 else float(c / (s * sy)) for s, c in zip(sx, covariances, strict=True)]


def discrimination_index_array(item_scores: np.ndarray, rest_scores: np.ndarray) -> float | None:
    """``discrimination_index`` over two (n,) arrays."""
    return correlation_columns(item_scores[:, None], rest_scores)[0]


def discriminative_efficiency_array(item_scores: np.ndarray, rest_scores: np.ndarray) -> float | None:
    """``discriminative_efficiency`` over two (n,) arrays."""
    cov_max = float(covariance_columns(np.sort(item_scores)[:, None], np.sort(rest_scores))[0])
    if cov_max <= 0:
        return None
    return float(covariance_columns(item_scores[:, None], rest_scores)[0]) / cov_max


def point_biserial_columns(chose: np.ndarray, rest_scores: np.ndarray) -> list[float | None]:
    """``point_biserial`` of each option: ``chose`` is an (n, k) 0/1 array (person chose option),
    ``rest_scores`` (n,); k values."""
    return correlation_columns(chose.astype(float), rest_scores)


def cronbach_alpha_array(matrix: np.ndarray) -> float | None:
    """``cronbach_alpha`` over an (n persons, k items) array."""
    n, k = matrix.shape
    if n < 2 or k < 2:
        return None
    item_variances = mean_sd_columns(matrix)[1] ** 2
    total_variance = float(mean_sd_columns(np.cumsum(matrix, axis=1)[:, -1:])[1][0]) ** 2
    if total_variance == 0:
        return None
    return k / (k - 1) * (1 - sum(item_variances.tolist()) / total_variance)
