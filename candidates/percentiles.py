"""Percentile rank of a percent score among the finished test sessions of one published version.

Definition (the standard "percentile rank"; Crocker & Algina, *Introduction to Classical and Modern
Test Theory*, 1986, ch. 19; Wikipedia, "Percentile rank")::

    PR = 100 × (B + ½·E) / N

where ``N`` is the number of finished scores (the candidate's own included), ``B`` how many are
strictly below the score and ``E`` how many equal it (the candidate's own included). Consequences:

- ties share one rank: every candidate with the same score gets the same percentile;
- ``N = 1`` (the only finished session) and "everybody scored the same" both give 50, not 100:
  half of the people at that score are counted as below it, which is the point of the ½·E term;
- the value lies strictly between 0 and 100 for a score in the list, so no one is "100th percentile";
- in-progress sessions have no percent score yet: they are not part of ``N`` and have no percentile
  (``None``).
"""

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from decimal import Decimal


def percentile_rank(score: Decimal | float | None, sorted_scores: Sequence[Decimal | float]) -> float | None:
    """Percentile rank (0–100, one decimal place) of ``score`` among ``sorted_scores``.

    ``sorted_scores`` are the finished percent scores sorted ascending (the caller sorts once and
    reuses the list: each call is two bisections, ``O(log N)``). Returns ``None`` when ``score`` is
    ``None`` (session in progress) or the list is empty. A score absent from the list is ranked
    with ``E = 0`` (the formula still applies). Formula and source: the module docstring.
    """
    if score is None or not sorted_scores:
        return None
    below = bisect_left(sorted_scores, score)
    equal = bisect_right(sorted_scores, score) - below
    return round(100 * (below + equal / 2) / len(sorted_scores), 1)
