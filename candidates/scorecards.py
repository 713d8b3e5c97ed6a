"""Scorecards of live interviews: autosaved ratings, submit, amendments, agreement, combined report.

Scale (``candidates.enums.Rating``): 0 no answer, 1 weak, 2 solid, 3 strong, each with its anchor.
Agreement per question is the spread (highest − lowest rating) across submitted scorecards.
The interview percent of a topic is ``100 × mean rating / 3``.
"""

from collections import defaultdict
from datetime import datetime
from statistics import fmean

from django.core.exceptions import ValidationError
from django.db import transaction

from assessments.enums import Rating, Recommendation
from assessments.models import InterviewKitVersion
from candidates.enums import SessionStatus
from candidates.models import Candidate, Scorecard, ScorecardAmendment, ScorecardRating, TestSession
from questionbank.models import Question


def scorecard_start(*, kit_version: InterviewKitVersion, candidate: Candidate, interviewer) -> Scorecard:
    """The interviewer's scorecard for this candidate and kit, created once (idempotent).

    Raises ``ValidationError`` when the kit and the candidate belong to different organisations.
    """
    if kit_version.organization_id != candidate.organization_id:
        raise ValidationError({"candidate": ["The candidate is not in the kit's organisation."]})
    scorecard, _ = Scorecard.objects.get_or_create(
        kit_version=kit_version, candidate=candidate, interviewer=interviewer,
        defaults={"organization_id": kit_version.organization_id},
    )
    return scorecard


def _check_question(scorecard: Scorecard, question_id: int) -> None:
    if question_id not in scorecard.kit_version.question_ids:
        raise ValidationError({"question": ["This question is not in the kit."]})


@transaction.atomic
def scorecard_rate(
    *, scorecard: Scorecard, question_id: int, rating: int | None, notes: str, now: datetime
) -> ScorecardRating:
    """Autosave one question's rating and notes on a draft scorecard (upsert).

    Raises ``ValidationError`` for a question outside the kit, a rating outside 0–3, or a submitted
    scorecard (use ``scorecard_amend``).
    """
    scorecard = Scorecard.objects.select_for_update().select_related("kit_version").get(pk=scorecard.pk)
    if scorecard.status == Scorecard.Status.SUBMITTED:
        raise ValidationError({"scorecard": ["This scorecard is submitted: amend it with a reason."]})
    _check_question(scorecard, question_id)
    if rating is not None and rating not in Rating.values:
        raise ValidationError({"rating": ["Rate 0 (no answer) to 3 (strong)."]})
    row, _ = ScorecardRating.objects.update_or_create(
        scorecard=scorecard, question_id=question_id, defaults={"rating": rating, "notes": notes, "updated_at": now},
    )
    return row


@transaction.atomic
def scorecard_submit(*, scorecard: Scorecard, recommendation: str, notes: str, now: datetime) -> Scorecard:
    """Submit: every question rated and an overall recommendation given; read-only afterwards.

    Raises ``ValidationError`` naming the unrated questions or a missing recommendation. Submitting a
    submitted scorecard returns it unchanged.
    """
    scorecard = Scorecard.objects.select_for_update().select_related("kit_version").get(pk=scorecard.pk)
    if scorecard.status == Scorecard.Status.SUBMITTED:
        return scorecard
    rated = set(scorecard.ratings.exclude(rating=None).values_list("question_id", flat=True))
    missing = [pk for pk in scorecard.kit_version.question_ids if pk not in rated]
    errors = {}
    if missing:
        errors["ratings"] = [f"Rate every question first (unrated: {', '.join(map(str, missing))})."]
    if recommendation not in Recommendation.values:
        errors["recommendation"] = [f"Choose one of {Recommendation.values}."]
    if errors:
        raise ValidationError(errors)
    scorecard.status, scorecard.recommendation, scorecard.notes = Scorecard.Status.SUBMITTED, recommendation, notes
    scorecard.submitted_at = now
    scorecard.save(update_fields=["status", "recommendation", "notes", "submitted_at"])
    return scorecard


@transaction.atomic
def scorecard_amend(
    *, scorecard: Scorecard, question_id: int, rating: int, reason: str, by, now: datetime
) -> ScorecardAmendment:
    """Change a rating on a submitted scorecard, recording old and new value, who and why."""
    scorecard = Scorecard.objects.select_for_update().select_related("kit_version").get(pk=scorecard.pk)
    if scorecard.status != Scorecard.Status.SUBMITTED:
        raise ValidationError({"scorecard": ["Only submitted scorecards are amended; edit the draft instead."]})
    _check_question(scorecard, question_id)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the rating changes."]})
    if rating not in Rating.values:
        raise ValidationError({"rating": ["Rate 0 (no answer) to 3 (strong)."]})
    row = ScorecardRating.objects.select_for_update().get(scorecard=scorecard, question_id=question_id)
    amendment = ScorecardAmendment.objects.create(
        scorecard=scorecard, question_id=question_id, field="rating", old_value=str(row.rating),
        new_value=str(rating), reason=reason.strip()[:500], amended_by=by, amended_at=now,
    )
    row.rating, row.updated_at = rating, now
    row.save(update_fields=["rating", "updated_at"])
    return amendment


def interview_report(*, candidate: Candidate, kit_version: InterviewKitVersion) -> dict:
    """Every submitted scorecard, the agreement per question and the per-topic picture.

    Shape: ``{"scorecards": [{"interviewer", "recommendation", "ratings": {question_id: rating}}],
    "questions": [{"id", "stem", "topic", "ratings": [..], "mean", "spread"}],
    "topics": {slug: {"interview_percent", "test_percent"}}}`` — ``test_percent`` from the candidate's
    finished timed tests of the same organisation, when there are any.
    """
    scorecards = list(
        Scorecard.objects.filter(candidate=candidate, kit_version=kit_version, status=Scorecard.Status.SUBMITTED)
        .select_related("interviewer").prefetch_related("ratings").order_by("submitted_at", "id")
    )
    questions = {q.pk: q for q in Question.objects.filter(pk__in=kit_version.question_ids).select_related("topic")}
    by_question: dict[int, list[int]] = defaultdict(list)
    cards = []
    for card in scorecards:
        ratings = {r.question_id: r.rating for r in card.ratings.all() if r.rating is not None}
        for qid, value in ratings.items():
            by_question[qid].append(value)
        cards.append({"interviewer": card.interviewer.get_username(), "recommendation": card.recommendation,
                      "ratings": ratings})
    rows, per_topic = [], defaultdict(list)
    for qid in kit_version.question_ids:
        values = by_question.get(qid, [])
        question = questions[qid]
        rows.append({"id": qid, "stem": question.stem, "topic": question.topic.slug, "ratings": values,
                     "mean": round(fmean(values), 2) if values else None,
                     "spread": max(values) - min(values) if values else None})
        per_topic[question.topic.slug] += values
    topics = {slug: {"interview_percent": round(100 * fmean(v) / 3, 1) if v else None, "test_percent": None}
              for slug, v in per_topic.items()}
    finished = TestSession.objects.filter(invitation__candidate=candidate).exclude(status=SessionStatus.IN_PROGRESS)
    test_rows = defaultdict(list)
    for breakdown in finished.values_list("topic_breakdown", flat=True):
        for row in breakdown:
            test_rows[row["slug"]].append(float(row["percent"]))
    for slug, values in test_rows.items():
        topics.setdefault(slug, {"interview_percent": None, "test_percent": None})["test_percent"] = round(
            fmean(values), 1)
    return {"scorecards": cards, "questions": rows, "topics": dict(sorted(topics.items()))}
