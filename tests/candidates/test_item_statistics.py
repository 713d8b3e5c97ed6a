"""Item and test statistics computed from real sessions, flags at their thresholds, the sample floor."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments import services as assessment_services
from assessments.services import FixedQuestionData, SectionData
from candidates.item_statistics import Observation, leak_signal, statistics_recompute
from candidates.models import ItemStatistics, TestSession, TestStatistics
from candidates.services import response_save, session_start, session_submit
from tests.candidates.test_psychometrics import MATRIX
from tests.factories import TopicFactory, invite, question_make


@pytest.fixture
def answered(organization, recruiter):
    """Five sessions of a fixed four-question test answered as the hand-computed MATRIX says."""
    topic = TopicFactory(slug="stats")
    questions = [question_make(topic, n=i) for i in range(4)]
    template = assessment_services.test_template_create(
        organization=organization, created_by=recruiter,
        settings={"title": "Stats", "time_limit": 600, "shuffle_questions": False, "shuffle_choices": False},
        sections=[SectionData(title="All", fixed=[FixedQuestionData(question=q) for q in questions])],
    )
    version = assessment_services.test_template_publish(template=template, published_by=recruiter)
    start = timezone.now() - timedelta(hours=1)
    for person, row in enumerate(MATRIX):
        session, _ = session_start(invitation=invite(version, email=f"p{person}@x.org", recruiter=recruiter).invitation,
                                   now=start)
        for item, right in enumerate(row):
            choices = list(questions[item].choices.order_by("order"))
            choice = choices[0] if right else choices[1 + person % 3]     # choice 0 is the key
            response_save(session=session, question_id=questions[item].pk, selected=[choice.pk], seq=1,
                          now=start + timedelta(seconds=10 * (item + 1)))
        session_submit(session=session, now=start + timedelta(minutes=5))
    return questions, version


def test_item_statistics_match_the_hand_computed_matrix(answered):
    questions, version = answered

    result = statistics_recompute(now=timezone.now(), min_sample=5)

    assert result == {"items": 4, "flagged": 4, "versions": 1}
    second = ItemStatistics.objects.get(question=questions[1])
    assert (second.sample_size, second.facility) == (5, pytest.approx(0.6))
    assert second.discrimination == pytest.approx(0.3 / 0.24 ** 0.5)
    assert second.discriminative_efficiency == pytest.approx(1.0)
    assert second.median_seconds == pytest.approx(10.0)
    fourth = ItemStatistics.objects.get(question=questions[3])
    assert fourth.discrimination == pytest.approx(-0.15 / 0.51 ** 0.5)
    assert "negative_discrimination" in fourth.flags
    key = next(c for c in fourth.choices if c["is_key"])
    assert key["share"] == pytest.approx(0.4)
    test = TestStatistics.objects.get(published_version=version)
    assert test.alpha == pytest.approx(4 / 3 * (1 - 1.1 / 1.7))
    assert test.sem == pytest.approx(0.9486832981)


def test_item_statistics_flags_at_thresholds(answered):
    questions, _ = answered
    statistics_recompute(now=timezone.now(), min_sample=5)

    flags = {s.question_id: set(s.flags) for s in ItemStatistics.objects.all()}

    # Item 1: only person E was wrong, so two of its three distractors were never picked (< 5%).
    assert "weak_distractor" in flags[questions[0].pk]
    # Item 4: persons B, C and D were wrong, each on a different distractor (20% each).
    assert "weak_distractor" not in flags[questions[3].pk]
    assert "too_easy" not in flags[questions[0].pk]          # facility 0.8 is inside [0.2, 0.95]
    assert "negative_discrimination" not in flags[questions[1].pk]
    assert "low_efficiency" in flags[questions[3].pk]        # DE −0.25 < 15%


def test_item_statistics_sample_floor_means_numbers_without_flags(answered, settings):
    settings.ITEM_EXPOSURE_CAP = 10_000

    statistics_recompute(now=timezone.now(), min_sample=6)

    assert ItemStatistics.objects.count() == 4
    assert all(s.flags == [] for s in ItemStatistics.objects.all())
    assert ItemStatistics.objects.filter(facility__isnull=False).count() == 4


def test_item_statistics_exposure_cap_flags_regardless_of_sample(answered, settings):
    settings.ITEM_EXPOSURE_CAP = 4

    statistics_recompute(now=timezone.now(), min_sample=100)

    assert all(s.flags == ["overexposed"] for s in ItemStatistics.objects.all())


def _observations(facility_before: float, facility_after: float, seconds_before: float, seconds_after: float):
    start = timezone.now()
    rows = []
    for i in range(60):
        recent = i >= 30
        correct = (i % 30) < 30 * (facility_after if recent else facility_before)
        rows.append(Observation(session_id=i, question_id=1, started_at=start + timedelta(hours=i), position=1,
                                mark=float(correct), fraction=float(correct), selected=[1] if correct else [2],
                                seconds=seconds_after if recent else seconds_before, correct=correct, fast=False))
    return rows


def test_item_statistics_leak_signal_on_synthetic_drift():
    assert leak_signal(_observations(0.4, 0.8, 40, 12))          # easier and faster: leaked?
    assert not leak_signal(_observations(0.4, 0.8, 40, 38))      # easier, not faster: a better cohort
    assert not leak_signal(_observations(0.4, 0.5, 40, 12))      # faster, barely easier
    assert not leak_signal(_observations(0.4, 0.8, 40, 12)[:50])  # too few sessions for two windows


def test_item_statistics_reports_show_the_score_band_and_few_item_topics(answered, recruiter, client):
    from candidates.reports import report_email_render, session_score
    from candidates.score_bands import score_band

    statistics_recompute(now=timezone.now(), min_sample=5)
    session = TestSession.objects.order_by("id").first()            # person A: 4 of 4

    low, high = score_band(session)
    _, text, _ = report_email_render(session=session, result=session_score(session=session))
    client.force_login(recruiter)
    page = client.get(f"/results/{session.pk}/").content.decode()

    # SEM 0.9487 points of 4 → ± 23.72 percentage points around 100%.
    assert (low, high) == (Decimal("76.28"), Decimal("100"))
    assert "76.28–100" in text
    assert "76.28–100" in page


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"facility": 0.19}, ["too_hard"]),
        ({"facility": 0.2}, []),
        ({"facility": 0.95}, []),
        ({"facility": 0.951}, ["too_easy"]),
        ({"discrimination": -0.01}, ["negative_discrimination"]),
        ({"discriminative_efficiency": 0.149}, ["low_efficiency"]),
        ({"discriminative_efficiency": 0.15}, []),
        ({"distractor_share": 0.049}, ["weak_distractor"]),
        ({"distractor_share": 0.05}, []),
        ({"distractor_pb": 0.01}, ["distractor_attracts_strong"]),
        ({"exposure": 501}, ["overexposed"]),
        ({"sample_size": 29, "facility": 0.1}, []),
    ],
)
def test_item_flags_at_their_thresholds(changes, expected, settings):
    from candidates.item_statistics import item_flags

    settings.ITEM_EXPOSURE_CAP = 500
    stats = {"sample_size": 30, "exposure": 30, "facility": 0.6, "discrimination": 0.3,
             "discriminative_efficiency": 0.5,
             "choices": [{"is_key": True, "share": 0.6, "point_biserial": 0.4},
                         {"is_key": False, "share": changes.pop("distractor_share", 0.2),
                          "point_biserial": changes.pop("distractor_pb", -0.2)}]}
    stats.update(changes)

    assert item_flags(stats=stats, observations=[], min_sample=30, exposure_cap=500) == expected


def _plain_python_statistics(min_sample: int) -> tuple[dict, dict]:
    """The statistics as the plain-Python formulas give them, straight from the stored sessions."""
    from collections import defaultdict

    from candidates.integrity import answer_seconds
    from candidates.item_statistics import item_flags
    from candidates.models import Response, SessionQuestion
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

    by_item, by_version = defaultdict(list), defaultdict(list)
    for session in TestSession.objects.exclude(status="in_progress").select_related("published_version").order_by("id"):
        version = session.published_version
        answers = {r.question_id: r for r in Response.objects.filter(session=session)}
        took = answer_seconds(session.started_at, [(r.first_saved_at, q) for q, r in answers.items()])
        rows = []
        for sq in SessionQuestion.objects.filter(session=session).select_related("question").order_by("position"):
            choices = list(Choice.objects.filter(question_id=sq.question_id).order_by("order", "id"))
            keys = {c.pk for c in choices if c.is_key}
            answer = answers.get(sq.question_id)
            chosen = set(answer.selected) if answer else set()
            mark = float(score_question(kind=sq.question.kind, points=sq.points, keys=keys, selected=chosen,
                                        n_choices=len(choices), partial_credit=version.partial_credit,
                                        negative_marking=version.negative_marking))
            seconds = took[sq.question_id] if answer else None
            rows.append(Observation(
                session_id=session.pk, question_id=sq.question_id, started_at=session.started_at,
                position=sq.position, mark=mark, fraction=mark / float(sq.points), selected=sorted(chosen),
                seconds=seconds, correct=bool(chosen) and chosen == keys,
                fast=seconds is not None and seconds < version.fast_answer_threshold))
        for o in rows:
            o.rest = sum(r.mark for r in rows) - o.mark
            by_item[o.question_id].append(o)
        by_version[version.pk].append([o.mark for o in rows])

    items = {}
    for question_id, obs in by_item.items():
        marks, rests = [o.mark for o in obs], [o.rest for o in obs]
        correct = [o for o in obs if o.correct]
        choices = list(Choice.objects.filter(question_id=question_id).order_by("order", "id"))
        stats = {
            "sample_size": len(obs), "exposure": SessionQuestion.objects.filter(question_id=question_id).count(),
            "facility": facility_index([o.fraction for o in obs]), "sd": mean_sd([o.fraction for o in obs])[1],
            "discrimination": discrimination_index(marks, rests),
            "discriminative_efficiency": discriminative_efficiency(marks, rests),
            "choices": [{"id": c.pk, "text": c.text, "is_key": c.is_key,
                         "share": sum(c.pk in o.selected for o in obs) / len(obs),
                         "point_biserial": point_biserial([c.pk in o.selected for o in obs], rests)} for c in choices],
            "median_seconds": median_or_none([o.seconds for o in obs if o.seconds is not None]),
            "fast_correct_share": sum(o.fast for o in correct) / len(correct) if correct else None,
        }
        stats["flags"] = item_flags(stats=stats, observations=obs, min_sample=min_sample, exposure_cap=10_000)
        items[question_id] = stats
    tests = {}
    for version_id, matrix in by_version.items():
        width = max(len(row) for row in matrix)
        matrix = [row for row in matrix if len(row) == width]
        mean, sd = mean_sd([sum(row) for row in matrix])
        alpha = cronbach_alpha(matrix)
        tests[version_id] = {"sample_size": len(matrix), "mean": mean, "sd": sd, "alpha": alpha,
                             "sem": standard_error_of_measurement(sd, alpha)}
    return items, tests


def _same(expected, actual):
    """Equal, floats to 1e-9, ``None`` only where ``None``."""
    if isinstance(expected, float):
        return isinstance(actual, float) and actual == pytest.approx(expected, rel=0, abs=1e-9)
    if isinstance(expected, dict):
        return expected.keys() == actual.keys() and all(_same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return len(expected) == len(actual) and all(_same(e, a) for e, a in zip(expected, actual, strict=True))
    return expected == actual


@pytest.mark.parametrize(("partial_credit", "negative_marking"), [(True, True), (False, False)])
def test_item_statistics_vectorised_match_the_plain_python_formulas(organization, recruiter, settings,
                                                                    partial_credit, negative_marking):
    import random

    settings.ITEM_EXPOSURE_CAP = 10_000
    rng = random.Random(20260501)
    topic = TopicFactory(slug="mixed")
    single = [question_make(topic, n=i) for i in range(4)]
    multiple = [question_make(topic, n=10 + i, kind="multiple_choice", keys=(0, 2), n_choices=5) for i in range(3)]

    def publish(questions, title, **options):
        template = assessment_services.test_template_create(
            organization=organization, created_by=recruiter,
            settings={"title": title, "time_limit": 600, "shuffle_questions": True, "shuffle_choices": True, **options},
            sections=[SectionData(title="All", fixed=[FixedQuestionData(question=q, points=Decimal(p))
                                                      for q, p in questions])],
        )
        return assessment_services.test_template_publish(template=template, published_by=recruiter)

    # Two versions sharing items, with different points and scoring rules: one pool of statistics.
    first = publish([(single[0], 1), (single[1], 2), (single[2], 1), (multiple[0], 3), (multiple[1], 1)], "A",
                    partial_credit=partial_credit, negative_marking=negative_marking, fast_answer_threshold=20)
    second = publish([(single[0], 1), (single[3], 1), (multiple[0], 2), (multiple[2], 1)], "B",
                     fast_answer_threshold=45)
    base = timezone.now() - timedelta(days=2)
    for person in range(36):
        version = first if person % 3 else second
        start = base + timedelta(minutes=rng.choice(range(0, 600, 7)))     # some sessions start together
        session, _ = session_start(
            invitation=invite(version, email=f"m{person}@x.org", recruiter=recruiter).invitation, now=start)
        at = start
        for sq in session.session_questions.select_related("question"):
            if rng.random() < 0.15:
                continue                                                     # left unanswered
            choices = list(sq.question.choices.order_by("order"))
            if sq.question.kind == "multiple_choice":
                picked = rng.sample(choices, rng.randint(0, len(choices)))   # sometimes none
            else:
                picked = [choices[0] if rng.random() < 0.6 else rng.choice(choices)]
            at += timedelta(seconds=rng.uniform(0, 90), microseconds=rng.randint(0, 999_999))
            response_save(session=session, question_id=sq.question_id, selected=[c.pk for c in picked], seq=1, now=at)
        if person != 35:                                                     # one still in progress
            session_submit(session=session, now=start + timedelta(minutes=9))

    result = statistics_recompute(now=timezone.now(), min_sample=5)

    items, tests = _plain_python_statistics(min_sample=5)
    assert result == {"items": 7, "flagged": sum(bool(s["flags"]) for s in items.values()), "versions": 2}
    for question_id, expected in items.items():
        stored = ItemStatistics.objects.get(question_id=question_id)
        actual = {field: getattr(stored, field) for field in expected}
        assert _same(expected, actual), (question_id, expected, actual)
    assert any(s["discrimination"] is not None for s in items.values())
    for version_id, expected in tests.items():
        stored = TestStatistics.objects.get(published_version_id=version_id)
        assert _same(expected, {field: getattr(stored, field) for field in expected}), (expected, stored.__dict__)


def test_item_statistics_without_finished_sessions_store_nothing(issued):
    session_start(invitation=issued.invitation, now=timezone.now())             # in progress: not counted

    assert statistics_recompute(now=timezone.now()) == {"items": 0, "flagged": 0, "versions": 0}
    assert not ItemStatistics.objects.exists()
    assert not TestStatistics.objects.exists()
