"""Integrity signals: append-only events with caps, client changes, fast answers."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from candidates.clients import ip_canonical
from candidates.errors import SessionClosed, TooManyEvents
from candidates.integrity import integrity_summary
from candidates.models import IntegrityEvent
from candidates.reports import session_score
from candidates.services import (
    EVENTS_PER_MINUTE,
    integrity_event_record,
    response_save,
    session_client_seen,
    session_start,
    session_submit,
)


@pytest.fixture
def session(issued):
    return session_start(invitation=issued.invitation, now=timezone.now())[0]


def _record(session, now, kind="focus_lost"):
    return integrity_event_record(session=session, kind=kind, detail="x" * 500, ip="10.0.0.1", user_agent="UA",
                                  now=now)


def test_integrity_event_is_stamped_with_server_time_and_capped(session):
    now = timezone.now()

    event = _record(session, now)

    assert event.occurred_at == now
    assert len(event.detail) == 200


def test_integrity_event_rate_limit_per_minute(session):
    now = timezone.now()
    for i in range(EVENTS_PER_MINUTE):
        _record(session, now + timedelta(milliseconds=i))

    with pytest.raises(TooManyEvents):
        _record(session, now + timedelta(seconds=1))
    _record(session, now + timedelta(seconds=61))

    assert IntegrityEvent.objects.count() == EVENTS_PER_MINUTE + 1


def test_integrity_event_refused_for_server_kinds_and_after_finish(session):
    with pytest.raises(ValidationError):
        _record(session, timezone.now(), kind="client_changed")
    session_submit(session=session, now=timezone.now())
    with pytest.raises(SessionClosed):
        _record(session, timezone.now())
    assert not IntegrityEvent.objects.exists()


def test_session_client_seen_records_only_changes(session):
    now = timezone.now()
    session_client_seen(session=session, ip="10.0.0.1", user_agent="Firefox", now=now)
    session_client_seen(session=session, ip="10.0.0.1", user_agent="Firefox", now=now)
    session_client_seen(session=session, ip="10.0.0.2", user_agent="Firefox", now=now)

    [event] = IntegrityEvent.objects.all()
    assert (event.kind, event.ip, event.detail) == ("client_changed", "10.0.0.2", "was 10.0.0.1 / Firefox")


def test_integrity_summary_counts_signals_and_fast_answers(session):
    start = session.started_at
    sqs = list(session.session_questions.order_by("position"))
    keys = {sq.question_id: sq.question.choices.get(is_key=True).pk for sq in sqs}
    # Q1 after 2 s (fast, right), Q2 60 s later (slow), Q3 1 s after that (fast, wrong).
    for sq, offset, right in [(sqs[0], 2, True), (sqs[1], 62, True), (sqs[2], 63, False)]:
        choice = keys[sq.question_id] if right else sq.question.choices.filter(is_key=False).first().pk
        response_save(session=session, question_id=sq.question_id, selected=[choice], seq=1,
                      now=start + timedelta(seconds=offset))
    _record(session, start + timedelta(seconds=5), kind="paste")
    session_client_seen(session=session, ip="10.0.0.9", user_agent="UA", now=start)
    session = session_submit(session=session, now=start + timedelta(seconds=70))

    summary = integrity_summary(session=session, scored=session_score(session=session).questions)

    assert summary["events"] == {"Page lost focus": 0, "Tab hidden": 0, "Paste into the page": 1,
                                 "Left full screen": 0}
    assert (summary["fast_answers"], summary["fast_correct"], summary["fast_positions"]) == (2, 1, [1, 3])
    assert summary["addresses"] == ["10.0.0.1", "10.0.0.9"]
    assert "not evidence" in summary["note"]


def test_integrity_api_events_append_only_and_in_result(candidate_api, recruiter_api):
    candidate_api.post("/api/candidate/session/start/")

    created = candidate_api.post("/api/candidate/session/events/", {"kind": "tab_hidden"}, format="json")
    bad = candidate_api.post("/api/candidate/session/events/", {"kind": "client_changed"}, format="json")
    delete = candidate_api.delete("/api/candidate/session/events/")
    candidate_api.post("/api/candidate/session/submit/")
    session_id = recruiter_api.get("/api/test-sessions/").json()["results"][0]["id"]
    result = recruiter_api.get(f"/api/test-sessions/{session_id}/").json()

    assert (created.status_code, bad.status_code, delete.status_code) == (201, 400, 405)
    assert result["integrity"]["events"]["Tab hidden"] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("address", ["2001:DB8::1", "2001:0db8:0000::0001", "::ffff:10.0.0.1", "192.0.2.7"])
def test_one_client_writing_its_address_another_way_is_still_one_client(issued, address):
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Invitation {issued.token}")
    question = client.post("/api/candidate/session/start/").json()["questions"][0]

    for seq in range(3):
        saved = client.put(f"/api/candidate/session/responses/{question['id']}/",
                           {"selected": [question["choices"][seq]["id"]], "seq": seq}, format="json")
        assert saved.status_code == 200

    assert not IntegrityEvent.objects.filter(kind=IntegrityEvent.Kind.CLIENT_CHANGED).exists()


@pytest.mark.parametrize(("address", "canonical"), [
    ("2001:DB8:0:0::1", "2001:db8::1"), ("::FFFF:10.0.0.1", "::ffff:10.0.0.1"), ("192.0.2.7", "192.0.2.7"),
    ("unknown", None), ("", None), (None, None), ("300.1.1.1", None), ("2001:db8::g", None),
])
def test_addresses_are_canonical_or_none(address, canonical):
    assert ip_canonical(address) == canonical
