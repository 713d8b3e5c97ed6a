"""Exposure-aware draws: over many sessions every eligible item is shown about equally often."""

import random
from collections import Counter

from django.utils import timezone

from assessments.drawing import draw_form, eligible_pool
from candidates.exposure import exposure_reconcile, exposure_record, pool_with_exposure
from candidates.models import ItemExposure, SessionQuestion
from candidates.services import session_start
from questionbank.models import Question
from tests.factories import TopicFactory, invite, published_version_make, question_make


def _spec(topic, count):
    return {"sections": [{"title": "Main", "rules": [
        {"topic_id": topic.pk, "topic": topic.slug, "difficulty": "", "count": count, "points": "1"}], "fixed": []}]}


def test_draw_form_with_exposure_spreads_items_evenly_over_many_draws(db):
    topic = TopicFactory(slug="routing")
    ids = [question_make(topic, n=n).pk for n in range(10)]
    exposure: Counter = Counter()
    rng = random.Random(7)

    for _ in range(200):
        form = draw_form(_spec(topic, 3), rng, exposure=exposure)
        assert len({d.question_id for d in form}) == 3                   # never repeated within a form
        exposure.update(d.question_id for d in form)

    assert sorted(exposure) == ids
    assert max(exposure.values()) - min(exposure.values()) <= 1          # 600 draws over 10 items: 60 each


def test_draw_form_without_exposure_is_uneven_by_chance(db):
    """The control: plain random sampling drifts, which is what the exposure order fixes."""
    topic = TopicFactory(slug="routing")
    for n in range(10):
        question_make(topic, n=n)
    counts: Counter = Counter()
    rng = random.Random(7)

    for _ in range(200):
        counts.update(d.question_id for d in draw_form(_spec(topic, 3), rng))

    assert max(counts.values()) - min(counts.values()) > 1


def test_draw_form_prefers_least_shown_and_never_draws_drafts_or_retired(db):
    topic = TopicFactory(slug="routing")
    published = [question_make(topic, n=n).pk for n in range(4)]
    question_make(topic, n=8, status="draft")
    question_make(topic, n=9, status="retired")
    exposure = {published[0]: 5, published[1]: 0, published[2]: 9, published[3]: 1}

    form = draw_form(_spec(topic, 2), random.Random(1), exposure=exposure)

    assert sorted(d.question_id for d in form) == sorted([published[1], published[3]])


def test_session_start_records_exposure_after_commit(organization, recruiter, django_capture_on_commit_callbacks):
    topic = TopicFactory(slug="routing")
    for n in range(6):
        question_make(topic, n=n)
    version = published_version_make(organization=organization, recruiter=recruiter, rules=[(topic, 3)])

    for i in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            session_start(invitation=invite(version, email=f"c{i}@example.com").invitation, now=timezone.now())

    counts = dict(ItemExposure.objects.filter(question__topic=topic).values_list("question_id", "drawn"))
    assert sum(counts.values()) == 12
    assert sorted(counts.values()) == [2] * 6                             # 12 draws spread over 6 items


def test_exposure_reconcile_recounts_from_drawn_forms(organization, recruiter, issued):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    drawn = list(SessionQuestion.objects.filter(session=session).values_list("question_id", flat=True))
    exposure_record(drawn)
    exposure_record(drawn)                                                 # a bump counted twice by mistake
    other = Question.objects.exclude(pk__in=drawn).first()
    ItemExposure.objects.create(question=other, drawn=40)                  # and a stale count

    assert exposure_reconcile() == len(drawn)

    assert dict(ItemExposure.objects.values_list("question_id", "drawn")) == dict.fromkeys(drawn, 1)


def test_pool_with_exposure_is_the_eligible_pool_and_the_counts_of_its_questions(db):
    topic, other = TopicFactory(slug="routing"), TopicFactory(slug="templates")
    published = [question_make(topic, n=n, difficulty=("easy", "hard")[n % 2]).pk for n in range(4)]
    retired = question_make(topic, n=9, status="retired").pk
    elsewhere = question_make(other, n=1).pk
    exposure_record([published[0], published[0], published[2]])
    exposure_record([published[0], retired, elsewhere])

    pool, exposure = pool_with_exposure(_spec(topic, 2))

    assert pool == eligible_pool(_spec(topic, 2))
    assert pool[(topic.pk, "hard")] == [published[1], published[3]]
    assert exposure == {published[0]: 2, published[2]: 1}      # never drawn: absent; not eligible: absent
