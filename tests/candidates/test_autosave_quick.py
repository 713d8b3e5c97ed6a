"""The autosave's quick path (``candidates.autosave``): one statement once the process has saved for a client,
and the full path's exact answer whenever anything the quick path expects has changed since.

Transactional tests: a process keeps a session's answer rules only outside a transaction, and the quick
path needs them kept."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from assessments import services as templates
from candidates.autosave import autosave_forget
from candidates.enums import SessionStatus
from candidates.invitations import session_reset
from candidates.models import IntegrityEvent, Response, TestSession
from candidates.services import invitation_revoke, session_extend_time, session_submit
from tests.factories import TopicFactory, invite, question_make

pytestmark = pytest.mark.django_db(transaction=True)


class Candidate:
    """A started candidate's client, sending ``extra`` (headers) with every save."""

    def __init__(self, client, issued, questions: list[dict], **extra):
        self.client, self.issued, self.questions, self.extra = client, issued, questions, extra
        self.seq = 0

    def save(self, question: int, choice: int, *, seq: int | None = None, **extra):
        self.seq = self.seq + 1 if seq is None else seq
        q = self.questions[question]
        return self.client.put(f"/api/candidate/session/responses/{q['id']}/",
                               {"selected": [q["choices"][choice]["id"]], "seq": self.seq},
                               content_type="application/json", **{**self.extra, **extra})

    def save_counting(self, question: int, choice: int, **kwargs):
        with CaptureQueriesContext(connection) as queries:
            reply = self.save(question, choice, **kwargs)
        return reply, len([q for q in queries.captured_queries
                           if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])

    def stored(self, question: int) -> list[int] | None:
        row = Response.objects.filter(question_id=self.questions[question]["id"]).first()
        return row.selected if row else None

    @property
    def session(self) -> TestSession:
        return TestSession.objects.get(invitation=self.issued.invitation)


def started(issued) -> Candidate:
    """A candidate who started (one request) and saved once (another), so the process knows the client."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Invitation {issued.token}")
    questions = client.post("/api/candidate/session/start/", HTTP_USER_AGENT="Firefox").json()["questions"]
    candidate = Candidate(client, issued, questions, HTTP_USER_AGENT="Firefox")
    assert candidate.save(0, 0).status_code == 200
    return candidate


@pytest.fixture
def candidate(issued):
    return started(issued)


def test_a_later_save_is_one_statement_and_answers_as_the_full_path(candidate):
    full = candidate.save(1, 0)    # the second question: its rules were kept at the first save

    quick, statements = candidate.save_counting(1, 1)

    assert statements == 1
    assert quick.status_code == full.status_code == 200
    body = quick.json()
    assert set(body) == set(full.json())
    assert (body["question"], body["selected"], body["seq"]) == (
        candidate.questions[1]["id"], [candidate.questions[1]["choices"][1]["id"]], candidate.seq)
    assert 0 < body["remaining_seconds"] <= full.json()["remaining_seconds"]
    assert candidate.stored(1) == [candidate.questions[1]["choices"][1]["id"]]


def test_a_revoked_invitation_is_refused(candidate):
    invitation_revoke(invitation=candidate.issued.invitation)

    reply, statements = candidate.save_counting(0, 1)

    assert reply.status_code == 401
    assert statements > 1  # the quick upsert found nothing to write; authentication then refused
    assert candidate.stored(0) == [candidate.questions[0]["choices"][0]["id"]]


def test_a_submitted_session_refuses_the_save(candidate):
    session_submit(session=candidate.session, now=timezone.now())

    reply = candidate.save(0, 1)

    assert reply.status_code == 401  # a finished invitation is no longer valid: no oracle
    assert candidate.stored(0) == [candidate.questions[0]["choices"][0]["id"]]


def test_past_closing_the_save_is_refused_and_the_session_times_out(candidate):
    # Closing moved into the past, the deadline left as the quick path saw it: only the closing check stops it.
    TestSession.objects.filter(pk=candidate.session.pk).update(closes_at=timezone.now() - timedelta(seconds=1))

    reply = candidate.save(0, 1)

    assert reply.status_code == 409
    assert reply.json()["code"] == "session_closed"
    assert candidate.session.status == SessionStatus.TIMED_OUT
    assert candidate.stored(0) == [candidate.questions[0]["choices"][0]["id"]]


def test_after_a_time_extension_the_reply_counts_the_new_deadline_and_later_saves_are_quick_again(
        candidate, recruiter):
    before = candidate.save(0, 1).json()["remaining_seconds"]
    session_extend_time(session=candidate.session, seconds=600, reason="Power cut", granted_by=recruiter,
                        now=timezone.now())

    extended, statements = candidate.save_counting(0, 2)
    again, statements_after = candidate.save_counting(0, 3)

    assert extended.status_code == again.status_code == 200
    assert statements > 1
    assert statements_after == 1
    assert extended.json()["remaining_seconds"] > before + 590
    assert again.json()["remaining_seconds"] > before + 590


def test_another_client_is_recorded_then_its_saves_are_quick(candidate):
    changed, statements = candidate.save_counting(0, 1, HTTP_USER_AGENT="Chromium")
    again, statements_after = candidate.save_counting(0, 2, HTTP_USER_AGENT="Chromium")

    assert changed.status_code == again.status_code == 200
    assert (statements > 1, statements_after) == (True, 1)
    event = IntegrityEvent.objects.get(kind=IntegrityEvent.Kind.CLIENT_CHANGED)
    assert (event.user_agent, "Firefox" in event.detail) == ("Chromium", True)
    assert candidate.session.client_user_agent == "Chromium"


def test_a_stale_save_gets_the_stored_answer(candidate):
    candidate.save(0, 2, seq=50)

    reply, statements = candidate.save_counting(0, 1, seq=49)

    assert reply.status_code == 409
    assert statements > 1
    assert (reply.json()["code"], reply.json()["seq"]) == ("stale_response", 50)
    assert candidate.stored(0) == [candidate.questions[0]["choices"][2]["id"]]


def test_a_choice_of_another_question_is_a_field_error(candidate):
    other = candidate.questions[1]["choices"][0]["id"]
    url = f"/api/candidate/session/responses/{candidate.questions[0]['id']}/"

    reply = candidate.client.put(url, {"selected": [other], "seq": 99}, format="json", HTTP_USER_AGENT="Firefox")

    assert reply.status_code == 400
    assert "selected" in reply.json()
    assert candidate.stored(0) == [candidate.questions[0]["choices"][0]["id"]]


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"selected": "nonsense"}', "application/json"),    # invalid: 400 by field to the candidate
    ('{"selected": [', "application/json"),              # malformed: 400 parse error
    (b'{"text": "\xe9"}', "application/json"),           # not UTF-8: 400 parse error
    ("selected=1", "application/x-www-form-urlencoded"),  # not JSON: 415
])
def test_a_bad_body_from_a_stranger_is_refused_before_it_is_described(candidate, body, content_type):
    url = f"/api/candidate/session/responses/{candidate.questions[0]['id']}/"

    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Invitation not-a-token")
    as_stranger = stranger.put(url, body, content_type=content_type)
    as_candidate = candidate.client.put(url, body, content_type=content_type, HTTP_USER_AGENT="Firefox")

    assert as_stranger.status_code == 401
    assert as_stranger.json() == {"detail": "This invitation link is not valid."}
    assert as_candidate.status_code in (400, 415)


def test_after_a_reset_the_old_session_takes_no_save(candidate, recruiter):
    session_reset(invitation=candidate.issued.invitation, reason="Browser crashed", reset_by=recruiter,
                  now=timezone.now())

    reply = candidate.save(0, 1)

    assert reply.status_code == 409
    assert reply.json()["code"] == "not_started"
    assert not Response.objects.exists()


def test_the_pages_cookie_takes_the_quick_path_with_its_csrf_token(issued):
    client = Client(enforce_csrf_checks=True)
    client.get(f"/t/{issued.token}/")
    csrf = str(client.get("/take/").context["csrf_token"])
    client.post("/take/start/", {"csrfmiddlewaretoken": csrf})
    page = Candidate(client, issued, client.get("/api/candidate/session/").json()["questions"],
                     HTTP_X_CSRFTOKEN=csrf)
    assert page.save(0, 0).status_code == 200

    quick, statements = page.save_counting(0, 1)
    refused = page.save(0, 2, HTTP_X_CSRFTOKEN="wrong")

    assert quick.status_code == 200
    # The upsert, after the cookie's session row unless the sessions are read from a shared cache (Redis).
    assert statements == (1 if settings.SESSION_ENGINE.endswith("cached_db") else 2)
    assert refused.status_code == 403
    assert page.stored(0) == [page.questions[0]["choices"][1]["id"]]


def test_the_quick_reply_has_the_full_paths_headers_and_drfs_bytes(candidate):
    autosave_forget()  # as if another process served the first save: this one takes the full path
    full, full_statements = candidate.save_counting(0, 1)
    quick, statements = candidate.save_counting(0, 2)

    stored = Response.objects.get(question_id=candidate.questions[0]["id"])
    assert (full.status_code, quick.status_code, full_statements > 1, statements) == (200, 200, True, 1)
    assert quick["Allow"] == "PUT, OPTIONS"
    assert _without_length(quick) == _without_length(full)
    assert quick.content == JSONRenderer().render({
        "question": candidate.questions[0]["id"], "selected": [candidate.questions[0]["choices"][2]["id"]],
        "seq": candidate.seq, "saved_at": stored.saved_at, "remaining_seconds": quick.json()["remaining_seconds"]})


def _without_length(reply) -> dict:
    return {name: value for name, value in reply.headers.items() if name != "Content-Length"}


def test_each_save_is_counted_once_by_the_rate_limit_whichever_path_answers_it(issued, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"candidate": "6/min"})
    candidate = started(issued)  # two requests

    replies = [candidate.save(0, 1),          # the quick path
               candidate.save(0, 2, seq=1),   # stale: tried quick, answered by the full path
               candidate.save(0, 2), candidate.save(0, 3), candidate.save(0, 1)]

    assert [r.status_code for r in replies] == [200, 409, 200, 200, 429]
    assert 0 < int(replies[-1]["Retry-After"]) <= 60


def test_a_body_in_another_charset_is_read_in_that_charset(organization, recruiter):
    written = question_make(TopicFactory(slug="errors"), kind="free_text", n_choices=0, keys=())
    template = templates.test_template_create(
        organization=organization, created_by=recruiter,
        settings={"title": "Written", "time_limit": 600, "grace_period": 30, "pass_mark": 50},
        sections=[templates.SectionData(title="Main", fixed=[templates.FixedQuestionData(question=written)])])
    issued = invite(templates.test_template_publish(template=template, published_by=recruiter), recruiter=recruiter)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Invitation {issued.token}")
    question = client.post("/api/candidate/session/start/").json()["questions"][0]
    url = f"/api/candidate/session/responses/{question['id']}/"
    assert client.put(url, {"text": "first", "seq": 1}, format="json").status_code == 200  # remembered

    # UTF-8 bytes of "é", which Latin-1 reads as two characters, as DRF's parser does for this charset.
    reply = client.put(url, '{"text": "é", "seq": 2}'.encode(),
                       content_type="application/json; charset=iso-8859-1")

    assert reply.status_code == 200
    assert Response.objects.get().text == "Ã©"
