"""Item and test statistics over finished sessions, and the flags that put items in front of curators.

Formulas: ``candidates.psychometrics`` (Moodle's quiz statistics). Item marks are the points a
session scored on the item (``candidates.scoring``); the "rest of the test" is the session's total
minus that mark. Response time per item is the gap between the candidate's first answer to it and
their previous first answer (or the start), as in the integrity summary.

At 125,000 responses the work is done over NumPy arrays (one row per session and item, see
``Observations``), scoring each distinct answer once, with the ``*_columns``/``*_array`` variants
of the formulas: the same numbers as the plain-Python functions, sums taken in the same order.

Flags (only with at least ``ITEM_STATS_MIN_SAMPLE`` sessions, except exposure):
``too_hard`` facility < 0.2 · ``too_easy`` facility > 0.95 · ``negative_discrimination`` (probably
miskeyed) · ``low_efficiency`` discriminative efficiency < 15% · ``weak_distractor`` a distractor
chosen by < 5% · ``distractor_attracts_strong`` a distractor with a positive point-biserial ·
``overexposed`` exposure above ``ITEM_EXPOSURE_CAP`` · ``possible_leak`` the facility of the latest
window of sessions rose by ≥ 0.25 over the window before it while correct answers got ≥ 30% faster.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from json import loads

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, TextField
from django.db.models.functions import Cast

from assessments.models import PublishedVersion
from candidates.enums import SessionStatus
from candidates.models import ItemStatistics, Response, SessionQuestion, TestSession, TestStatistics
from candidates.psychometrics import (
    cronbach_alpha_array,
    discrimination_index_array,
    discriminative_efficiency_array,
    facility_index,
    mean_sd_columns,
    median_or_none,
    point_biserial_columns,
    standard_error_of_measurement,
)
from candidates.scoring import score_question
from questionbank.models import Choice

LEAK_WINDOW = 30
LEAK_FACILITY_RISE = 0.25
LEAK_SPEEDUP = 0.7
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


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
class ItemChoices:
    """One question's kind and its choices in display order (ids, texts, whether each is a key)."""

    kind: str
    ids: list[int]
    texts: list[str]
    is_key: list[bool]

    @property
    def keys(self) -> set[int]:
        return {cid for cid, key in zip(self.ids, self.is_key, strict=True) if key}


@dataclass
class Observations:
    """Every item of every finished session, one row each, as parallel arrays of shape (rows,).

    Rows are ordered by item, then by session in the order sessions first came from the database
    (the order the plain-Python version kept its lists in, so sums add up in the same order).
    ``session_ids``/``question_ids`` map the ``session``/``item`` indices back to primary keys.
    Rows giving the same answer to the same item share an ``outcome``: ``answers[outcome]`` is the
    answer's selected choice ids and their column indices in ``choices[question_id]`` (repeats kept,
    ids not among the question's choices left out of the columns).
    """

    session: np.ndarray         # int index into session_ids
    item: np.ndarray            # int index into question_ids
    position: np.ndarray        # int, the item's position in its session
    mark: np.ndarray            # points scored
    fraction: np.ndarray        # mark / points
    rest: np.ndarray            # the session's total points minus mark
    seconds: np.ndarray         # answer time in seconds, NaN when unanswered
    correct: np.ndarray         # bool: chose exactly the keys
    fast: np.ndarray            # bool: seconds < the version's fast-answer threshold
    outcome: np.ndarray         # int index into answers
    answers: list[tuple[tuple[int, ...], tuple[int, ...]]]
    session_ids: list[int]
    session_versions: np.ndarray  # (sessions,) published version id
    session_started: np.ndarray   # (sessions,) start, integer microseconds since 1970 UTC
    question_ids: list[int]
    choices: dict[int, ItemChoices]

    def observations(self, rows: Iterable[int]) -> list[Observation]:
        """``Observation`` objects of the given rows (a few dozen: for ``leak_signal``)."""
        return [
            Observation(
                session_id=self.session_ids[s], question_id=self.question_ids[self.item[r]],
                started_at=_EPOCH + _MICROSECOND * int(self.session_started[s]), position=int(self.position[r]),
                mark=float(self.mark[r]), fraction=float(self.fraction[r]), rest=float(self.rest[r]),
                selected=list(self.answers[self.outcome[r]][0]),
                seconds=None if np.isnan(self.seconds[r]) else float(self.seconds[r]),
                correct=bool(self.correct[r]), fast=bool(self.fast[r]),
            )
            for r, s in ((r, self.session[r]) for r in rows)
        ]


def _load(session_filter: dict) -> Observations:
    """Finished sessions with their scored, timed items; five queries however many sessions."""
    finished = TestSession.objects.filter(**session_filter).exclude(status=SessionStatus.IN_PROGRESS)
    # Timestamps as text: Django's PostgreSQL loader for them is pure Python (≈ 7 µs each, more than
    # all the statistics at 125,000 responses); datetime.fromisoformat is not.
    sessions = list(finished.values_list("id", "published_version_id", Cast("started_at", output_field=TextField())))
    versions = {
        row[0]: row[1:] for row in PublishedVersion.objects.filter(
            pk__in={version_id for _, version_id, _ in sessions}
        ).values_list("id", "partial_credit", "negative_marking", "fast_answer_threshold")
    }
    # Subqueries, not 5,000 ids as parameters; a session finishing meanwhile is left out below.
    items = list(SessionQuestion.objects.filter(session__in=finished.values("pk")).values_list(
        "session_id", "question_id", "position", "points", "question__kind"))
    # ``selected`` as text too: decoded once per distinct answer, not once per row.
    answers = list(Response.objects.filter(session__in=finished.values("pk")).values_list(
        "session_id", "question_id", Cast("selected", output_field=TextField()),
        Cast("first_saved_at", output_field=TextField())))
    row_session_ids, row_question_ids, positions, row_points, kinds = _columns(items, 5)
    choices = {q: ItemChoices(kind, [], [], []) for q, kind in dict(zip(row_question_ids, kinds, strict=True)).items()}
    for question_id, choice_id, text, is_key in Choice.objects.filter(question_id__in=choices).order_by(
        "order", "id"
    ).values_list("question_id", "id", "text", "is_key"):
        item = choices[question_id]
        item.ids.append(choice_id)
        item.texts.append(text)
        item.is_key.append(is_key)

    # From here on arrays: per-row Python over 125,000 rows is what this replaced.
    known_ids, known_versions, known_started = _columns(sessions, 3)
    known_ids, known_versions = np.array(known_ids, dtype=np.int64), np.array(known_versions, dtype=np.int64)
    known_started = _microseconds(known_started)

    r_session, r_question, r_selected, r_first = _columns(answers, 4)
    r_session = np.array(r_session, dtype=np.int64)
    r_seconds = _answer_seconds(r_session, np.array(r_question, dtype=np.int64), _microseconds(r_first),
                                known_ids, known_started)
    selected_of: dict[str, int] = {}
    r_selected = np.array([selected_of.setdefault(s, len(selected_of)) for s in r_selected], dtype=np.intp)

    row_session_ids = np.array(row_session_ids, dtype=np.int64)
    known = np.isin(row_session_ids, known_ids)
    session, session_ids = _dense(row_session_ids[known])
    item, question_ids = _dense(np.array(row_question_ids, dtype=np.int64)[known])
    position = np.array(positions, dtype=np.int64)[known]
    points_of: dict[Decimal, int] = {}
    points = np.array([points_of.setdefault(p, len(points_of)) for p in row_points], dtype=np.intp)[known]
    _, at = _find(known_ids, np.array(session_ids, dtype=np.int64))
    session_versions, session_started = known_versions[at], known_started[at]
    version_ids = np.unique(session_versions)
    session_version = np.searchsorted(version_ids, session_versions)
    version_ids = version_ids.tolist()

    # Each row's response, if any: (session, question) pairs looked up as one sorted integer key.
    width = max(question_ids, default=0) + 1
    r_key = r_session * width + np.array(r_question, dtype=np.int64)
    row_key = np.array(session_ids, dtype=np.int64)[session] * width + np.array(question_ids, dtype=np.int64)[item]
    answered, at = _find(r_key, row_key)
    selected, seconds = np.full(len(row_key), -1), np.full(len(row_key), np.nan)
    selected[answered], seconds[answered] = r_selected[at[answered]], r_seconds[at[answered]]

    # A mark depends only on the version's scoring settings, the question, its points and the answer:
    # score each distinct combination once (a few hundred), not each row.
    dims = (max(len(version_ids), 1), max(len(question_ids), 1), max(len(points_of), 1), len(selected_of) + 1)
    combinations, outcome = np.unique(
        np.ravel_multi_index((session_version[session], item, points, selected + 1), dims), return_inverse=True)
    points_by_code, selected_by_code = list(points_of), list(selected_of)
    outcomes = [
        _outcome(choices[question_ids[q]], points_by_code[p], versions[version_ids[v]],
                 None if s == 0 else loads(selected_by_code[s - 1]))
        for v, q, p, s in zip(*(c.tolist() for c in np.unravel_index(combinations, dims)), strict=True)
    ]

    mark = np.array([o[0] for o in outcomes], dtype=float)[outcome]
    # bincount adds each session's marks in row order, as sum() over its items did (so before sorting).
    total = np.bincount(session, weights=mark, minlength=len(session_ids))
    threshold = np.array([versions[v][2] for v in version_ids], dtype=float)[session_version]
    order = np.lexsort((session, item))
    session, outcome, seconds = session[order], outcome[order], seconds[order]
    return Observations(
        session=session, item=item[order], position=position[order], mark=mark[order],
        fraction=np.array([o[1] for o in outcomes], dtype=float)[outcome], rest=(total[session] - mark[order]),
        seconds=seconds, correct=np.array([o[2] for o in outcomes], dtype=bool)[outcome],
        fast=seconds < threshold[session], outcome=outcome, answers=[o[3:] for o in outcomes],
        session_ids=session_ids, session_versions=session_versions, session_started=session_started,
        question_ids=question_ids, choices=choices,
    )


def _columns(rows: list[tuple], n: int) -> list[list]:
    """The ``n`` columns of a list of n-tuples."""
    return [[row[i] for row in rows] for i in range(n)]


def _dense(ids: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """``(index, ids)``: each value's index in the list of distinct values in order of first appearance."""
    distinct, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    by_appearance = np.argsort(first)
    rank = np.empty(len(distinct), dtype=np.intp)
    rank[by_appearance] = np.arange(len(distinct))
    return rank[inverse], distinct[by_appearance].tolist()


def _find(values: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(found, at)``, both shaped like ``wanted``: whether each wanted value is among ``values``
    (distinct) and its index there (meaningless where not found)."""
    if not len(values):
        return np.zeros(len(wanted), dtype=bool), np.zeros(len(wanted), dtype=np.intp)
    by_value = np.argsort(values)
    at = by_value[np.minimum(np.searchsorted(values[by_value], wanted), len(values) - 1)]
    return values[at] == wanted, at


def _microseconds(texts: list[str]) -> np.ndarray:
    """Timestamps read as text as integer microseconds since 1970 UTC, shape (n,). Integers keep the
    gaps between them exact: ``gap / 1e6`` is what ``timedelta.total_seconds()`` returns."""
    stamps = [datetime.fromisoformat(t) for t in texts]
    # PostgreSQL writes the offset; SQLite stores UTC without one.
    epoch = _EPOCH if not stamps or stamps[0].tzinfo else _EPOCH.replace(tzinfo=None)
    return np.array([(s - epoch) // _MICROSECOND for s in stamps], dtype=np.int64)


def _answer_seconds(session_ids: np.ndarray, question_ids: np.ndarray, first_saved: np.ndarray,
                    known_ids: np.ndarray, started: np.ndarray) -> np.ndarray:
    """``integrity.answer_seconds`` for all responses at once: shape (responses,), seconds (float).

    Per response its session, question and first save (µs); ``known_ids`` and ``started`` (µs) are
    the sessions'. Within a session, first answers in (time, question) order, each timed
    from the one before it or from the start. NaN for responses of sessions not in ``known_ids``.
    """
    seconds = np.full(len(session_ids), np.nan)
    known, at = _find(known_ids, session_ids)
    order = np.flatnonzero(known)
    order = order[np.lexsort((question_ids[order], first_saved[order], session_ids[order]))]
    sessions, times = session_ids[order], first_saved[order]
    previous = np.empty_like(times)
    previous[1:] = times[:-1]
    opens = np.ones(len(order), dtype=bool)
    opens[1:] = sessions[1:] != sessions[:-1]
    previous[opens] = started[at[order][opens]]
    seconds[order] = (times - previous) / 1e6
    return seconds


def _outcome(item: ItemChoices, points: Decimal, version: tuple, selected: list[int] | None):
    """``(mark, fraction, correct, selected, columns)`` of one answer (``Observations``); ``selected``
    ``None``: unanswered, scores 0."""
    if selected is None:
        return 0.0, 0.0, False, (), ()
    partial_credit, negative_marking, _ = version
    keys, chosen = item.keys, set(selected)
    mark = float(score_question(kind=item.kind, points=points, keys=keys, selected=chosen, n_choices=len(item.ids),
                                partial_credit=partial_credit, negative_marking=negative_marking))
    column = {cid: c for c, cid in enumerate(item.ids)}
    return (mark, mark / float(points) if points else 0.0, bool(chosen) and chosen == keys, tuple(selected),
            tuple(column[cid] for cid in selected if cid in column))


def item_flags(*, stats: dict, observations: list[Observation], min_sample: int, exposure_cap: int) -> list[str]:
    """The flags of one item (see the module docstring); ``stats`` as built by ``_item_stats``.
    ``observations``: the item's, or at least its latest ``2 * LEAK_WINDOW`` by start (all that
    ``leak_signal`` reads)."""
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


def _item_stats(data: Observations, rows: slice, exposure: int) -> dict:
    """One item's statistics over its ``rows`` of ``data``: the ``ItemStatistics`` fields but flags."""
    n = rows.stop - rows.start
    item = data.choices[data.question_ids[data.item[rows.start]]]
    facility, sd = (float(v[0]) for v in mean_sd_columns(data.fraction[rows, None]))  # F is the mean
    marks, rests = data.mark[rows], data.rest[rows]
    # Times each row picked each choice, through the item's few distinct answers.
    answers, answer_of_row = np.unique(data.outcome[rows], return_inverse=True)
    picked = np.zeros((len(answers), len(item.ids)), dtype=np.int64)
    for a, outcome in enumerate(answers.tolist()):
        for column in data.answers[outcome][1]:
            picked[a, column] += 1
    picked = picked[answer_of_row]
    seconds = data.seconds[rows]
    correct, fast = data.correct[rows], data.fast[rows]
    n_correct = int(np.count_nonzero(correct))
    return {
        "sample_size": n,
        "exposure": exposure,
        "facility": facility,
        "sd": sd,
        "discrimination": discrimination_index_array(marks, rests),
        "discriminative_efficiency": discriminative_efficiency_array(marks, rests),
        "choices": [
            {"id": cid, "text": text[:200], "is_key": is_key, "share": int(count) / n, "point_biserial": pb}
            for cid, text, is_key, count, pb in zip(item.ids, item.texts, item.is_key, picked.sum(axis=0).tolist(),
                                                     point_biserial_columns(picked > 0, rests), strict=True)
        ],
        "median_seconds": median_or_none(seconds[~np.isnan(seconds)].tolist()),
        "fast_correct_share": int(np.count_nonzero(correct & fast)) / n_correct if n_correct else None,
    }


@transaction.atomic
def statistics_recompute(*, now: datetime, min_sample: int | None = None) -> dict[str, int]:
    """Recompute every item's and every published version's statistics and flags (replacing the old rows).

    Returns ``{"items": n, "flagged": n, "versions": n}``. Idempotent; beat runs it hourly, curators
    on demand (admin action, ``manage.py compute_item_statistics``).
    """
    min_sample = settings.ITEM_STATS_MIN_SAMPLE if min_sample is None else min_sample
    data = _load({})
    exposure = dict(
        SessionQuestion.objects.filter(question_id__in=data.question_ids).values_list("question_id")
        .annotate(n=Count("id")).values_list("question_id", "n")
    )
    rows, flagged = [], 0
    bounds = np.searchsorted(data.item, np.arange(len(data.question_ids) + 1)).tolist()
    for i, question_id in enumerate(data.question_ids):
        item_rows = slice(bounds[i], bounds[i + 1])
        stats = _item_stats(data, item_rows, exposure.get(question_id, 0))
        # Stable, as leak_signal's sorted(): sessions that started together stay in row order.
        by_start = np.arange(item_rows.start, item_rows.stop)[
            np.argsort(data.session_started[data.session[item_rows]], kind="stable")]
        latest = data.observations(by_start[-2 * LEAK_WINDOW:])
        stats["flags"] = item_flags(stats=stats, observations=latest, min_sample=min_sample,
                                    exposure_cap=settings.ITEM_EXPOSURE_CAP)
        flagged += bool(stats["flags"])
        rows.append(ItemStatistics(question_id=question_id, computed_at=now, needs_review=bool(stats["flags"]),
                                   **stats))
    ItemStatistics.objects.all().delete()
    ItemStatistics.objects.bulk_create(rows)

    version_rows = []
    items_per_session = np.bincount(data.session, minlength=len(data.session_ids))
    for version_id in dict.fromkeys(data.session_versions.tolist()):
        # Slots (positions) as Moodle treats random questions; only sessions with the full form count.
        of_version = data.session_versions == version_id
        width = int(items_per_session[of_version].max())
        full = np.flatnonzero((of_version & (items_per_session == width))[data.session])
        full = full[np.lexsort((data.position[full], data.session[full]))]
        matrix = data.mark[full].reshape(-1, width)  # sessions (in load order) × positions
        mean, sd = (float(v[0]) for v in mean_sd_columns(np.cumsum(matrix, axis=1)[:, -1:]))  # of totals
        alpha = cronbach_alpha_array(matrix)
        version_rows.append(TestStatistics(
            published_version_id=version_id, sample_size=len(matrix), mean=mean, sd=sd, alpha=alpha,
            sem=standard_error_of_measurement(sd, alpha), computed_at=now,
        ))
    TestStatistics.objects.all().delete()
    TestStatistics.objects.bulk_create(version_rows)
    return {"items": len(rows), "flagged": flagged, "versions": len(version_rows)}
