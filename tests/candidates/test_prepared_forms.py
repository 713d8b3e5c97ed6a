"""Forms drawn ahead: the invitation's task draws the form, the start copies it, and falls back to a draw."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidates.exposure import exposure_reconcile
from candidates.invitations import session_reset
from candidates.models import Invitation, ItemExposure, PreparedForm, PreparedItem, SessionQuestion
from candidates.prepared_forms import form_prepare
from candidates.selectors import SESSION_ITEM_FIELDS
from candidates.services import invitation_revoke, session_start
from questionbank.models import Question
from questionbank.services import question_set_status
from tests.factories import TopicFactory, invite, published_version_make, question_make


@pytest.fixture
def version(organization, recruiter):
    topic = TopicFactory(slug="routing")
    for n in range(8):
        question_make(topic, n=n)
    return published_version_make(organization=organization, recruiter=recruiter, rules=[(topic, 4)],
                                  shuffle_choices=True)


def _invite(version, email, capture):
    """An invitation with its queued tasks run, as the worker would after the commit."""
    with capture(execute=True):
        return invite(version, email=email)


def _prepared(invitation) -> list[tuple]:
    return list(PreparedItem.objects.filter(form__invitation=invitation).order_by("position")
                .values_list(*SESSION_ITEM_FIELDS))


def _session_items(session) -> list[tuple]:
    return list(SessionQuestion.objects.filter(session=session).order_by("position").values_list(*SESSION_ITEM_FIELDS))


def test_an_invitation_gets_its_form_drawn_ahead_and_counted_as_exposure(version, django_capture_on_commit_callbacks):
    issued = _invite(version, "a@example.com", django_capture_on_commit_callbacks)

    form = PreparedForm.objects.get(invitation=issued.invitation)
    items = _prepared(issued.invitation)
    assert form.item_count == len(items) == 4
    assert [item[1] for item in items] == [1, 2, 3, 4]
    assert sorted(ItemExposure.objects.filter(drawn=1).values_list("question_id", flat=True)) == sorted(
        item[0] for item in items)
    assert Question.objects.filter(pk__in=[item[0] for item in items], in_use=True).count() == 4


def test_the_start_copies_the_prepared_form_and_answers_with_it(version, django_capture_on_commit_callbacks):
    issued = _invite(version, "a@example.com", django_capture_on_commit_callbacks)
    prepared, seed = _prepared(issued.invitation), PreparedForm.objects.get().seed
    exposure_before = dict(ItemExposure.objects.values_list("question_id", "drawn"))

    with django_capture_on_commit_callbacks(execute=True):
        session, created = session_start(invitation=issued.invitation, now=timezone.now())

    assert created
    assert session.seed == seed
    assert _session_items(session) == prepared == session.drawn_items
    # Counted once, when it was drawn: the start adds nothing.
    assert dict(ItemExposure.objects.values_list("question_id", "drawn")) == exposure_before


def test_prepared_forms_of_a_cohort_spread_over_the_bank(version, django_capture_on_commit_callbacks):
    for i in range(4):
        _invite(version, f"c{i}@example.com", django_capture_on_commit_callbacks)

    # 4 forms of 4 items over 8 questions: each shown twice, as started sessions would be.
    assert sorted(ItemExposure.objects.values_list("drawn", flat=True)) == [2] * 8


def test_a_form_with_a_retired_item_is_drawn_afresh_at_start(version, django_capture_on_commit_callbacks):
    issued = _invite(version, "a@example.com", django_capture_on_commit_callbacks)
    retired = Question.objects.get(pk=_prepared(issued.invitation)[0][0])
    question_set_status(question=retired, status="retired")

    session, _ = session_start(invitation=issued.invitation, now=timezone.now())

    drawn = [item[0] for item in _session_items(session)]
    assert len(drawn) == 4
    assert retired.pk not in drawn
    assert session.seed != PreparedForm.objects.get().seed


def test_a_start_without_a_prepared_form_draws_one(version):
    issued = invite(version, email="a@example.com")          # its task never ran (no commit in this test)
    assert not PreparedForm.objects.exists()

    session, created = session_start(invitation=issued.invitation, now=timezone.now())

    assert created
    assert len(_session_items(session)) == 4 == len(session.drawn_items)


def test_form_prepare_runs_once_and_only_for_an_invitation_that_can_start(version):
    now = timezone.now()
    first, revoked, started = (invite(version, email=f"{n}@example.com").invitation for n in "abc")
    invitation_revoke(invitation=revoked)
    session_start(invitation=started, now=now)

    assert form_prepare(invitation_id=first.pk, now=now)
    assert not form_prepare(invitation_id=first.pk, now=now)               # the task delivered twice
    assert not form_prepare(invitation_id=revoked.pk, now=now)
    assert not form_prepare(invitation_id=started.pk, now=now)
    assert not form_prepare(invitation_id=first.pk + 1000, now=now)
    expired = invite(version, email="d@example.com", days=1).invitation
    assert not form_prepare(invitation_id=expired.pk, now=now + timedelta(days=2))
    assert list(PreparedForm.objects.values_list("invitation_id", flat=True)) == [first.pk]
    assert PreparedItem.objects.count() == 4


def test_a_reset_session_starts_again_on_a_new_draw(version, recruiter, django_capture_on_commit_callbacks):
    issued = _invite(version, "a@example.com", django_capture_on_commit_callbacks)
    first, _ = session_start(invitation=issued.invitation, now=timezone.now())

    session_reset(invitation=issued.invitation, reason="Power cut", reset_by=recruiter, now=timezone.now())
    second, created = session_start(invitation=Invitation.objects.get(), now=timezone.now())

    assert created
    assert not PreparedForm.objects.exists()
    assert second.seed != first.seed


def test_exposure_reconcile_counts_forms_that_may_still_start(version, django_capture_on_commit_callbacks):
    waiting = _invite(version, "a@example.com", django_capture_on_commit_callbacks).invitation
    started = _invite(version, "b@example.com", django_capture_on_commit_callbacks).invitation
    revoked = _invite(version, "c@example.com", django_capture_on_commit_callbacks).invitation
    expired = _invite(version, "d@example.com", django_capture_on_commit_callbacks).invitation
    session_start(invitation=started, now=timezone.now())
    invitation_revoke(invitation=revoked)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    ItemExposure.objects.update(drawn=99)

    exposure_reconcile()

    expected = {}
    for qid in [item[0] for item in _prepared(waiting) + _prepared(started)]:   # started: through its session
        expected[qid] = expected.get(qid, 0) + 1
    assert dict(ItemExposure.objects.values_list("question_id", "drawn")) == expected


def test_a_start_of_a_prepared_form_is_four_statements(version, django_capture_on_commit_callbacks):
    issued = _invite(version, "a@example.com", django_capture_on_commit_callbacks)

    with CaptureQueriesContext(connection) as queries:
        session_start(invitation=issued.invitation, now=timezone.now())

    # The lock with the version and the form's seed; the session; its items copied; the invitation's status.
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 4, statements


def test_the_admin_shows_whether_an_invitations_form_was_drawn_ahead(version, admin_client,
                                                                      django_capture_on_commit_callbacks):
    ready = _invite(version, "a@example.com", django_capture_on_commit_callbacks).invitation
    waiting = invite(version, email="b@example.com").invitation               # its task has not run

    ready_page = admin_client.get(f"/admin/candidates/invitation/{ready.pk}/change/").content.decode()
    waiting_page = admin_client.get(f"/admin/candidates/invitation/{waiting.pk}/change/").content.decode()

    assert "Form drawn ahead" in ready_page
    assert f"{PreparedForm.objects.get().prepared_at:%Y-%m-%d %H:%M:%S} UTC, 4 questions" in ready_page
    assert "No: the start draws the form" in waiting_page
