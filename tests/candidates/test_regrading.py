"""Regrade: a corrected key previewed (nothing changes), then applied (recorded and notified)."""

from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates.models import OutboxEmail, Regrade, TestSession
from candidates.regrading import regrade_apply, regrade_create
from questionbank.services import question_as_data, question_update
from tests.candidates.test_item_statistics import answered  # noqa: F401 - the shared fixture


def _corrected(question):
    """A new version whose key is the second choice instead of the first."""
    data = question_as_data(question)
    data.choices = [replace(c, is_key=(i == 1)) for i, c in enumerate(data.choices)]
    return question_update(question=question, data=data)


def _scores():
    sessions = TestSession.objects.select_related("invitation__candidate")
    return {s.invitation.candidate.email: s.raw_score for s in sessions}


def test_regrade_dry_run_changes_nothing(answered, recruiter):  # noqa: F811
    questions, _ = answered
    before = _scores()
    new = _corrected(questions[3])

    regrade = regrade_create(old_question=questions[3], new_question=new, created_by=recruiter, now=timezone.now())

    assert (regrade.status, regrade.sessions_checked) == ("draft", 5)
    changes = sorted((row["old_raw"], row["new_raw"]) for row in regrade.rows)
    assert changes == [("1.00", "0.00"), ("1.00", "2.00"), ("4.00", "3.00")]
    assert _scores() == before
    assert not OutboxEmail.objects.filter(dedup_key__startswith="regrade:").exists()


def test_regrade_apply_rescores_records_and_notifies_once(answered, recruiter):  # noqa: F811
    questions, _ = answered
    new = _corrected(questions[3])
    regrade = regrade_create(old_question=questions[3], new_question=new, created_by=recruiter, now=timezone.now())

    applied = regrade_apply(regrade=regrade, applied_by=recruiter, now=timezone.now())
    again = regrade_apply(regrade=regrade, applied_by=recruiter, now=timezone.now())

    assert applied.status == again.status == Regrade.Status.APPLIED
    assert _scores() == {"p0@x.org": 3, "p1@x.org": 3, "p2@x.org": 2, "p3@x.org": 2, "p4@x.org": 0}
    notices = OutboxEmail.objects.filter(dedup_key__startswith=f"regrade:{regrade.pk}:")
    assert notices.count() == 3
    assert all(n.to == recruiter.email and "Score corrected" in n.subject for n in notices)


def test_regrade_refuses_unrelated_versions(answered, recruiter):  # noqa: F811
    questions, _ = answered

    with pytest.raises(ValidationError):
        regrade_create(old_question=questions[3], new_question=questions[2], created_by=recruiter, now=timezone.now())
