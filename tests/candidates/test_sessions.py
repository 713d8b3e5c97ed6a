from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from candidates.enums import EmailStatus, InvitationStatus, SessionStatus
from candidates.errors import InvitationUnavailable, SessionClosed, StaleResponse
from candidates.models import OutboxEmail, Response, TestSession
from candidates.services import (
    response_save,
    session_finish,
    session_start,
    session_submit,
    sessions_sweep,
)
from questionbank.models import Question
from questionbank.services import QuestionData, question_as_data, question_update


def _key_of(session, position: int) -> tuple[int, int]:
    """(question id, key choice id) of the question at ``position``."""
    sq = session.session_questions.get(position=position)
    return sq.question_id, sq.question.choices.get(is_key=True).pk


def _distractor_of(session, position: int) -> int:
    return session.session_questions.get(position=position).question.choices.filter(is_key=False).first().pk


def test_session_start_fixes_deadline_and_draws_frozen_questions(issued):
    now = timezone.now()

    session, created = session_start(invitation=issued.invitation, now=now)

    assert created
    assert session.deadline == now + timedelta(seconds=600)
    assert session.closes_at == session.deadline + timedelta(seconds=30)
    assert session.session_questions.count() == 6
    assert set(session.session_questions.values_list("question__in_use", flat=True)) == {True}
    issued.invitation.refresh_from_db()
    assert issued.invitation.status == InvitationStatus.STARTED


def test_session_start_twice_resumes_same_session(issued):
    first, _ = session_start(invitation=issued.invitation, now=timezone.now())
    order = list(first.session_questions.values_list("question_id", "choice_order"))

    again, created = session_start(invitation=issued.invitation, now=timezone.now() + timedelta(minutes=3))

    assert not created
    assert again.pk == first.pk
    assert again.deadline == first.deadline
    assert list(again.session_questions.values_list("question_id", "choice_order")) == order


def test_session_start_refuses_revoked_and_expired(issued):
    issued.invitation.expires_at = timezone.now() - timedelta(seconds=1)
    issued.invitation.save()

    with pytest.raises(InvitationUnavailable) as exc:
        session_start(invitation=issued.invitation, now=timezone.now())

    assert exc.value.code == "expired"
    assert not TestSession.objects.exists()


def test_session_start_shuffles_choices_but_keeps_pinned_last(organization, recruiter, bank):
    from tests.factories import invite, published_version_make

    question = Question.objects.filter(topic=bank[0]).first()
    last = question.choices.order_by("order").last()
    last.pinned = True
    last.save()
    version = published_version_make(organization=organization, recruiter=recruiter, rules=[(bank[0], 6)])
    orders = []
    for i in range(8):
        session, _ = session_start(invitation=invite(version, email=f"c{i}@x.org").invitation, now=timezone.now())
        order = session.session_questions.get(question=question).choice_order
        assert order[-1] == last.pk
        orders.append(tuple(order))
    assert len(set(orders)) > 1


def test_response_save_at_deadline_minus_one_second_is_accepted(issued):
    start = timezone.now()
    session, _ = session_start(invitation=issued.invitation, now=start)
    question_id, key = _key_of(session, 1)

    with time_machine.travel(session.deadline - timedelta(seconds=1), tick=False):
        saved = response_save(session=session, question_id=question_id, selected=[key], seq=1, now=timezone.now())

    assert saved.selected == [key]
    assert saved.saved_at == session.deadline - timedelta(seconds=1)


def test_response_save_after_grace_is_refused_and_changes_nothing(issued):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    question_id, key = _key_of(session, 1)
    distractor = _distractor_of(session, 1)
    response_save(session=session, question_id=question_id, selected=[key], seq=1, now=timezone.now())

    late = session.deadline + timedelta(seconds=30 + 1)
    with pytest.raises(SessionClosed):
        response_save(session=session, question_id=question_id, selected=[distractor], seq=2, now=late)

    response = Response.objects.get(session=session, question_id=question_id)
    assert (response.selected, response.seq) == ([key], 1)
    session.refresh_from_db()
    assert session.status == SessionStatus.TIMED_OUT
    assert session.finished_at == session.deadline
    assert session.raw_score == 1


def test_response_save_within_grace_is_accepted(issued):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    question_id, key = _key_of(session, 2)

    saved = response_save(session=session, question_id=question_id, selected=[key], seq=1,
                          now=session.deadline + timedelta(seconds=29))

    assert saved.selected == [key]


def test_response_save_stale_seq_is_refused(issued):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    question_id, key = _key_of(session, 1)
    distractor = _distractor_of(session, 1)
    response_save(session=session, question_id=question_id, selected=[key], seq=5, now=timezone.now())

    with pytest.raises(StaleResponse):
        response_save(session=session, question_id=question_id, selected=[distractor], seq=4, now=timezone.now())

    assert Response.objects.get(session=session).selected == [key]


def test_response_save_identical_saves_leave_one_row(issued):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    question_id, key = _key_of(session, 1)

    for _ in range(5):
        response_save(session=session, question_id=question_id, selected=[key], seq=1, now=timezone.now())

    assert Response.objects.filter(session=session).count() == 1


def test_response_save_rejects_foreign_choice_and_two_choices_for_single(issued):
    from django.core.exceptions import ValidationError

    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    question_id, key = _key_of(session, 1)
    _, other_key = _key_of(session, 2)

    with pytest.raises(ValidationError) as foreign:
        response_save(session=session, question_id=question_id, selected=[other_key], seq=1, now=timezone.now())
    with pytest.raises(ValidationError) as double:
        response_save(session=session, question_id=question_id, selected=[key, _distractor_of(session, 1)], seq=1,
                      now=timezone.now())

    assert "selected" in foreign.value.message_dict
    assert "selected" in double.value.message_dict
    assert not Response.objects.exists()


def test_session_submit_scores_and_queues_one_report(issued, recruiter, django_capture_on_commit_callbacks):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    for position in (1, 2, 3):
        question_id, key = _key_of(session, position)
        response_save(session=session, question_id=question_id, selected=[key], seq=1, now=timezone.now())
    question_id, _ = _key_of(session, 4)
    response_save(session=session, question_id=question_id, selected=[_distractor_of(session, 4)], seq=1,
                  now=timezone.now())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        session = session_submit(session=session, now=timezone.now())
        session_submit(session=session, now=timezone.now())

    assert session.status == SessionStatus.SUBMITTED
    assert (session.raw_score, session.max_score, session.percent_score, session.passed) == (3, 6, 50, True)
    assert [row["score"] for row in session.topic_breakdown] == ["3.00", "0.00"]
    reports = OutboxEmail.objects.filter(dedup_key=f"report:session:{session.pk}")
    assert reports.get().status == EmailStatus.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [recruiter.email]
    assert "50.00%" in message.subject
    assert "routing" in message.body.lower()
    assert reverse("recruiter-session-result", kwargs={"session_id": session.pk}) in message.body
    assert message.alternatives[0].mimetype == "text/html"


def test_a_save_applied_before_a_submit_that_arrived_earlier_moves_the_finish_to_it(issued):
    # Two tabs: the submit arrived first, but the other tab's save took the session's lock first.
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    submit_arrived = timezone.now()
    save_arrived = submit_arrived + timedelta(milliseconds=40)
    question_id, key = _key_of(session, 1)
    response_save(session=session, question_id=question_id, selected=[key], seq=1, now=save_arrived)

    session = session_submit(session=session, now=submit_arrived)

    assert session.finished_at == save_arrived
    assert session.raw_score == 1                                          # the save is scored


def test_a_submit_after_every_save_finishes_when_it_arrived(issued):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    question_id, key = _key_of(session, 1)
    response_save(session=session, question_id=question_id, selected=[key], seq=1, now=timezone.now())
    submit_arrived = timezone.now()

    assert session_submit(session=session, now=submit_arrived).finished_at == submit_arrived


def test_session_finish_twice_transitions_once(issued):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    now = timezone.now()

    first = session_finish(session_id=session.pk, status=SessionStatus.SUBMITTED, finished_at=now, now=now)
    second = session_finish(session_id=session.pk, status=SessionStatus.TIMED_OUT, finished_at=now, now=now)

    assert (first, second) == (True, False)
    session.refresh_from_db()
    assert session.status == SessionStatus.SUBMITTED
    assert OutboxEmail.objects.filter(dedup_key__startswith="report:").count() == 1


def test_sessions_sweep_finishes_only_expired_with_finished_at_deadline(version, recruiter):
    from tests.factories import invite

    now = timezone.now()
    expired, _ = session_start(invitation=invite(version, email="a@x.org", recruiter=recruiter).invitation,
                               now=now - timedelta(seconds=700))
    live, _ = session_start(invitation=invite(version, email="b@x.org", recruiter=recruiter).invitation, now=now)

    assert sessions_sweep(now=now) == 1
    assert sessions_sweep(now=now) == 0

    expired.refresh_from_db()
    live.refresh_from_db()
    assert expired.status == SessionStatus.TIMED_OUT
    assert expired.finished_at == expired.deadline
    assert live.status == SessionStatus.IN_PROGRESS


def test_question_update_in_use_makes_new_version_old_session_keeps_its_own(issued):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    question_id, key = _key_of(session, 1)
    question = Question.objects.get(pk=question_id)
    response_save(session=session, question_id=question_id, selected=[key], seq=1, now=timezone.now())
    data: QuestionData = question_as_data(question)
    data.stem = "Reworded stem?"

    new = question_update(question=question, data=data)

    question.refresh_from_db()
    assert new.pk != question.pk
    assert (new.family, new.version, new.status) == (question.family, 2, "published")
    assert question.status == "retired"
    assert question.stem.startswith("Question")
    session = session_submit(session=session, now=timezone.now())
    assert session.raw_score == 1


@pytest.mark.parametrize("finished", [False, True])
def test_the_session_reply_is_written_as_its_serializer_would_write_it(issued, version, finished):
    """The candidate views return the presenters' dict as is (``CandidateApiView.state``): it must render to
    the very bytes ``SessionOutput``, which the schema documents, would have produced."""

    from candidates.api.candidate import SessionOutput
    from candidates.presenters import session_questions, session_state

    version.show_score_to_candidate = True
    version.save(update_fields=["show_score_to_candidate"])
    now = timezone.now()
    session, _ = session_start(invitation=issued.invitation, now=now)
    question_id, key = _key_of(session, 1)
    response_save(session=session, question_id=question_id, selected=[key], text="", seq=1, now=now)
    if finished:
        session = session_submit(session=session, now=now + timedelta(seconds=5))
    session = TestSession.objects.select_related("published_version").get(pk=session.pk)

    state = session_state(session, now=now + timedelta(seconds=7))
    if not finished:
        state["questions"] = session_questions(session)
        assert state["questions"][0]["response"]["saved_at"] == now        # a datetime inside the questions
    else:
        assert "score" in state

    assert JSONRenderer().render(state) == JSONRenderer().render(SessionOutput(state).data)


def test_a_bad_save_gets_field_level_errors_and_leaves_the_next_save_alone(candidate_api):
    """The save validates with one serializer built once per process: an invalid body must still get
    field-level messages, and nothing of it may carry over to the next request."""
    question = candidate_api.post("/api/candidate/session/start/").json()["questions"][0]
    url = f"/api/candidate/session/responses/{question['id']}/"

    bad = candidate_api.put(url, {"selected": ["x", 0], "seq": -1}, format="json")
    not_an_object = candidate_api.put(url, [1, 2], format="json")
    too_many = candidate_api.put(url, {"selected": list(range(1, 30))}, format="json")
    good = candidate_api.put(url, {"selected": [question["choices"][1]["id"]]}, format="json")   # seq, text default

    assert bad.status_code == 400
    assert set(bad.json()) == {"selected", "seq"}
    assert set(bad.json()["selected"]) == {"0", "1"}                       # each bad item named
    assert not_an_object.status_code == 400
    assert set(not_an_object.json()) == {"non_field_errors"}
    assert too_many.status_code == 400
    assert set(too_many.json()) == {"selected"}
    assert good.status_code == 200, good.content
    assert good.json()["selected"] == [question["choices"][1]["id"]]
    assert good.json()["seq"] == 0
    assert Response.objects.get().selected == [question["choices"][1]["id"]]


def test_the_candidate_api_replies_json_whatever_accept_names_and_takes_only_json(candidate_api):
    started = candidate_api.post("/api/candidate/session/start/", HTTP_ACCEPT="text/html")
    question = started.json()["questions"][0]
    url = f"/api/candidate/session/responses/{question['id']}/"

    saved = candidate_api.put(url, {"selected": [], "seq": 1}, format="json", HTTP_ACCEPT="application/xml")
    form = candidate_api.put(url, "selected=1", content_type="application/x-www-form-urlencoded")

    stored = Response.objects.get()
    assert started.status_code == 201
    assert started["Content-Type"] == saved["Content-Type"] == "application/json"
    assert saved.content == JSONRenderer().render({
        "question": question["id"], "selected": [], "seq": 1, "saved_at": stored.saved_at,
        "remaining_seconds": saved.json()["remaining_seconds"]})
    assert 0 < saved.json()["remaining_seconds"] <= stored.session.published_version.time_limit
    assert form.status_code == 415
