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
    from candidates.item_statistics import score_band
    from candidates.reports import report_email_render, session_score

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
