"""Item and test statistics over finished sessions, and the flags that put items in front of curators.

Formulas: ``candidates.psychometrics`` (Moodle's quiz statistics). Item marks are the points a
session scored on the item (``candidates.scoring``); the "rest of the test" is the session's total
minus that mark. Response time per item is the gap between the candidate's first answer to it and
their previous first answer (or the start), as in the integrity summary.

Flags (only with at least ``ITEM_STATS_MIN_SAMPLE`` sessions, except exposure):
``too_hard`` facility < 0.2 · ``too_easy`` facility > 0.95 · ``negative_discrimination`` (probably
miskeyed) · ``low_efficiency`` discriminative efficiency < 15% · ``weak_distractor`` a distractor
chosen by < 5% · ``distractor_attracts_strong`` a distractor with a positive point-biserial ·
``overexposed`` exposure above ``ITEM_EXPOSURE_CAP`` · ``possible_leak`` the facility of the latest
window of sessions rose by ≥ 0.25 over the window before it while correct answers got ≥ 30% faster.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from assessments.models import PublishedVersion
from candidates.enums import SessionStatus
from candidates.integrity import answer_seconds
from candidates.models import ItemStatistics, Response, SessionQuestion, TestSession, TestStatistics
from candidates.psychometrics import (
    cronbach_alpha,
    discrimination_index,
    discriminative_efficiency,
    facility_index,
    mean_sd,
    median_or_none,
    point_biserial,
    standard_error_of_measurement,
)
from candidates.scoring import score_question
from questionbank.models import Choice

LEAK_WINDOW = 30
LEAK_FACILITY_RISE = 0.25
LEAK_SPEEDUP = 0.7


@dataclass
class Observation:
    """One item as one session met it."""

    session_id: int
    question_id: int
    started_at: datetime
    position: int
    mark: float          # points scored
    fraction: float      # mark / points
    selected: list[int]
    seconds: float | None
    correct: bool
    fast: bool
    rest: float = 0.0


@dataclass
class SessionRecord:
    version_id: int
    started_at: datetime
    observations: list[Observation] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(o.mark for o in self.observations)


def _load(session_filter: dict) -> tuple[dict[int, SessionRecord], dict[int, list[Choice]]]:
    """Finished sessions with their scored items; five queries however many sessions."""
    sessions = {
        row["id"]: row for row in TestSession.objects.filter(**session_filter).exclude(
            status=SessionStatus.IN_PROGRESS
        ).values("id", "published_version_id", "started_at")
    }
    versions = {
        v["id"]: v for v in PublishedVersion.objects.filter(
            pk__in={s["published_version_id"] for s in sessions.values()}
        ).values("id", "partial_credit", "negative_marking", "fast_answer_threshold")
    }
    items = list(SessionQuestion.objects.filter(session_id__in=sessions).values_list(
        "session_id", "question_id", "position", "points", "question__kind"))
    answers = {
        (r[0], r[1]): (r[2], r[3]) for r in Response.objects.filter(session_id__in=sessions).values_list(
            "session_id", "question_id", "selected", "first_saved_at")
    }
    choices: dict[int, list[Choice]] = defaultdict(list)
    for choice in Choice.objects.filter(question_id__in={i[1] for i in items}).order_by("order", "id"):
        choices[choice.question_id].append(choice)

    first_answers: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for (session_id, question_id), (_, first_saved_at) in answers.items():
        first_answers[session_id].append((first_saved_at, question_id))
    seconds: dict[tuple[int, int], float] = {
        (session_id, question_id): took
        for session_id, rows in first_answers.items()
        for question_id, took in answer_seconds(sessions[session_id]["started_at"], rows).items()
    }

    # Per question once, not per observation: at 100,000 responses these loops are the cost.
    keys_of = {qid: {c.pk for c in rows if c.is_key} for qid, rows in choices.items()}
    records: dict[int, SessionRecord] = {}
    for session_id, question_id, position, points, kind in items:
        session = sessions[session_id]
        version = versions[session["published_version_id"]]
        record = records.get(session_id)
        if record is None:
            record = records[session_id] = SessionRecord(session["published_version_id"], session["started_at"])
        answer = answers.get((session_id, question_id))
        if answer is None:  # unanswered: scores 0, nothing chosen, no time
            record.observations.append(Observation(
                session_id=session_id, question_id=question_id, started_at=session["started_at"], position=position,
                mark=0.0, fraction=0.0, selected=[], seconds=None, correct=False, fast=False))
            continue
        selected = answer[0]
        keys = keys_of.get(question_id, set())
        chosen = set(selected)
        mark = float(score_question(kind=kind, points=points, keys=keys, selected=chosen,
                                    n_choices=len(choices[question_id]), partial_credit=version["partial_credit"],
                                    negative_marking=version["negative_marking"]))
        took = seconds.get((session_id, question_id))
        record.observations.append(Observation(
            session_id=session_id, question_id=question_id, started_at=session["started_at"], position=position,
            mark=mark, fraction=mark / float(points) if points else 0.0, selected=selected, seconds=took,
            correct=bool(chosen) and chosen == keys,
            fast=took is not None and took < version["fast_answer_threshold"],
        ))
    for record in records.values():
        total = record.total
        for o in record.observations:
            o.rest = total - o.mark
    return records, choices


def item_flags(*, stats: dict, observations: list[Observation], min_sample: int, exposure_cap: int) -> list[str]:
    """The flags of one item (see the module docstring); ``stats`` as built by ``_item_stats``."""
    flags = ["overexposed"] if stats["exposure"] > exposure_cap else []
    if stats["sample_size"] < min_sample:
        return flags
    if stats["facility"] < 0.2:
        flags.append("too_hard")
    if stats["facility"] > 0.95:
        flags.append("too_easy")
    if stats["discrimination"] is not None and stats["discrimination"] < 0:
        flags.append("negative_discrimination")
    if stats["discriminative_efficiency"] is not None and stats["discriminative_efficiency"] < 0.15:
        flags.append("low_efficiency")
    distractors = [c for c in stats["choices"] if not c["is_key"]]
    if any(c["share"] < 0.05 for c in distractors):
        flags.append("weak_distractor")
    if any((c["point_biserial"] or 0) > 0 for c in distractors):
        flags.append("distractor_attracts_strong")
    if leak_signal(observations):
        flags.append("possible_leak")
    return flags


def leak_signal(observations: list[Observation], window: int = LEAK_WINDOW) -> bool:
    """Facility up by ≥ 0.25 in the latest ``window`` sessions against the ``window`` before, while the
    median time of correct answers fell to ≤ 70% of what it was."""
    ordered = sorted(observations, key=lambda o: o.started_at)
    if len(ordered) < 2 * window:
        return False
    before, recent = ordered[-2 * window:-window], ordered[-window:]
    rise = facility_index([o.fraction for o in recent]) - facility_index([o.fraction for o in before])
    t_before = median_or_none([o.seconds for o in before if o.correct and o.seconds is not None])
    t_recent = median_or_none([o.seconds for o in recent if o.correct and o.seconds is not None])
    if t_before is None or t_recent is None or t_before <= 0:
        return False
    return rise >= LEAK_FACILITY_RISE and t_recent <= LEAK_SPEEDUP * t_before


def _item_stats(observations: list[Observation], choices: list[Choice], exposure: int) -> dict:
    fractions = [o.fraction for o in observations]
    marks = [o.mark for o in observations]
    rests = [o.rest for o in observations]
    facility, sd = facility_index(fractions), mean_sd(fractions)[1]
    correct = [o for o in observations if o.correct]
    picks = Counter(cid for o in observations for cid in o.selected)
    return {
        "sample_size": len(observations),
        "exposure": exposure,
        "facility": facility,
        "sd": sd,
        "discrimination": discrimination_index(marks, rests),
        "discriminative_efficiency": discriminative_efficiency(marks, rests),
        "choices": [
            {"id": cid, "text": c.text[:200], "is_key": c.is_key,
             "share": picks[cid] / len(observations),
             "point_biserial": point_biserial([cid in o.selected for o in observations], rests)}
            for c, cid in ((c, c.pk) for c in choices)
        ],
        "median_seconds": median_or_none([o.seconds for o in observations if o.seconds is not None]),
        "fast_correct_share": sum(1 for o in correct if o.fast) / len(correct) if correct else None,
    }


@transaction.atomic
def statistics_recompute(*, now: datetime, min_sample: int | None = None) -> dict[str, int]:
    """Recompute every item's and every published version's statistics and flags (replacing the old rows).

    Returns ``{"items": n, "flagged": n, "versions": n}``. Idempotent; beat runs it hourly, curators
    on demand (admin action, ``manage.py compute_item_statistics``).
    """
    min_sample = settings.ITEM_STATS_MIN_SAMPLE if min_sample is None else min_sample
    records, choices = _load({})
    by_item: dict[int, list[Observation]] = defaultdict(list)
    by_version: dict[int, list[SessionRecord]] = defaultdict(list)
    for record in records.values():
        by_version[record.version_id].append(record)
        for o in record.observations:
            by_item[o.question_id].append(o)
    exposure = dict(
        SessionQuestion.objects.filter(question_id__in=by_item).values_list("question_id")
        .annotate(n=Count("id")).values_list("question_id", "n")
    )

    rows, flagged = [], 0
    for question_id, observations in by_item.items():
        stats = _item_stats(observations, choices[question_id], exposure.get(question_id, 0))
        stats["flags"] = item_flags(stats=stats, observations=observations, min_sample=min_sample,
                                    exposure_cap=settings.ITEM_EXPOSURE_CAP)
        flagged += bool(stats["flags"])
        rows.append(ItemStatistics(question_id=question_id, computed_at=now, needs_review=bool(stats["flags"]),
                                   **stats))
    ItemStatistics.objects.all().delete()
    ItemStatistics.objects.bulk_create(rows)

    version_rows = []
    for version_id, sessions in by_version.items():
        matrix = [[o.mark for o in sorted(r.observations, key=lambda o: o.position)] for r in sessions]
        # Slots (positions) as Moodle treats random questions; only sessions with the full form count.
        width = max(len(row) for row in matrix)
        matrix = [row for row in matrix if len(row) == width]
        mean, sd = mean_sd([sum(row) for row in matrix])
        alpha = cronbach_alpha(matrix)
        version_rows.append(TestStatistics(
            published_version_id=version_id, sample_size=len(matrix), mean=mean, sd=sd, alpha=alpha,
            sem=standard_error_of_measurement(sd, alpha), computed_at=now,
        ))
    TestStatistics.objects.all().delete()
    TestStatistics.objects.bulk_create(version_rows)
    return {"items": len(rows), "flagged": flagged, "versions": len(version_rows)}


def score_band(session: TestSession) -> tuple[Decimal, Decimal] | None:
    """``(low, high)`` percent score ± one standard error of measurement of the session's version, or
    ``None`` before its statistics exist."""
    stats = TestStatistics.objects.filter(published_version_id=session.published_version_id).first()
    if stats is None or stats.sem is None or not session.max_score or session.percent_score is None:
        return None
    half = Decimal(str(round(100 * stats.sem / float(session.max_score), 2)))
    return max(session.percent_score - half, Decimal(0)), min(session.percent_score + half, Decimal(100))
