"""The band around a session's percent score: its published version's standard error of measurement.

Kept apart from ``candidates.item_statistics``, which computes that error over NumPy arrays: every web
process shows bands, and none needs NumPy (16 MB resident) to read one stored number.
"""

from decimal import Decimal

from candidates.models import TestSession, TestStatistics


def score_band(session: TestSession) -> tuple[Decimal, Decimal] | None:
    """``(low, high)`` percent score ± one standard error of measurement of the session's version, or
    ``None`` before its statistics exist."""
    stats = TestStatistics.objects.filter(published_version_id=session.published_version_id).first()
    if stats is None or stats.sem is None or not session.max_score or session.percent_score is None:
        return None
    half = Decimal(str(round(100 * stats.sem / float(session.max_score), 2)))
    return max(session.percent_score - half, Decimal(0)), min(session.percent_score + half, Decimal(100))
