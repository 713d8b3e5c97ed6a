"""Statement budgets on the hot paths: a regression here fails CI (timings live in bench/, not here)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from candidates.services import session_start, session_submit
from tests.factories import TopicFactory, invite, published_version_make, question_make


def _client(issued) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Invitation {issued.token}")
    return client


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len([q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])


@pytest.fixture
def make_test(organization, recruiter):
    topic = TopicFactory(slug="budget")
    for n in range(6):
        question_make(topic, n=n)

    def make(n_questions: int, email: str):
        version = published_version_make(organization=organization, recruiter=recruiter, rules=[(topic, n_questions)])
        return invite(version, recruiter=recruiter, email=email)

    return make


def test_budget_autosave_three_statements(make_test):
    issued = make_test(3, "a@x.org")
    client = _client(issued)
    question = client.post("/api/candidate/session/start/").json()["questions"][0]
    url = f"/api/candidate/session/responses/{question['id']}/"
    client.put(url, {"selected": [question["choices"][0]["id"]], "seq": 1}, format="json")   # the row exists

    statements = _count(lambda: client.put(url, {"selected": [question["choices"][1]["id"]], "seq": 2},
                                           format="json"))

    # The invitation with its session, the session's answer rules, the upsert (the issue allows four).
    # Inside the test's transaction the rules are never kept, so this is the first-save path.
    assert statements == 3


@pytest.mark.django_db(transaction=True)
def test_budget_autosave_one_statement_once_the_process_has_saved_for_the_client(make_test):
    issued = make_test(3, "a@x.org")
    client = _client(issued)
    questions = client.post("/api/candidate/session/start/").json()["questions"]
    first, second = (f"/api/candidate/session/responses/{q['id']}/" for q in questions[:2])

    first_save = _count(lambda: client.put(first, {"selected": [questions[0]["choices"][0]["id"]], "seq": 1},
                                           format="json"))
    later_save = _count(lambda: client.put(second, {"selected": [questions[1]["choices"][1]["id"]], "seq": 1},
                                           format="json"))

    # First: the invitation with its session, the session's answer rules (kept from then on), the upsert.
    # Later: the upsert alone, which checks the invitation and session the first save saw as it locks the
    # session (candidates.autosave).
    assert (first_save, later_save) == (3, 1)
    assert client.get("/api/candidate/session/").json()["questions"][1]["response"]["selected"] == [
        questions[1]["choices"][1]["id"]]


def test_budget_start_does_not_grow_with_the_number_of_questions(make_test):
    one, three = make_test(1, "one@x.org"), make_test(3, "three@x.org")

    with_one = _count(lambda: _client(one).post("/api/candidate/session/start/"))

    # The invitation; its lock with the version; the eligible pool with its exposure; the questions' choices and
    # stems (twice: inside the test's transaction nothing is kept, a server process reads them once);
    # the session; its items; marking the versions in use; the invitation's status. The exposure bump
    # runs after commit, outside this count.
    assert _count(lambda: _client(three).post("/api/candidate/session/start/")) == with_one == 11


def test_budget_start_of_a_form_drawn_ahead(make_test, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):          # the invitation's task draws the forms
        one, three = make_test(1, "one@x.org"), make_test(3, "three@x.org")

    with_one = _count(lambda: _client(one).post("/api/candidate/session/start/"))

    # The invitation; its lock with the version and the prepared form's seed; the session; its items copied
    # from the form; the invitation's status; the questions' choices and stems (inside the test's transaction
    # nothing is kept: a server process has them after its first start).
    assert _count(lambda: _client(three).post("/api/candidate/session/start/")) == with_one == 7


def test_budget_submit_does_not_grow_with_the_number_of_questions(make_test):
    one, three = make_test(1, "one@x.org"), make_test(3, "three@x.org")
    for issued in (one, three):
        session_start(invitation=issued.invitation, now=timezone.now())

    with_one = _count(lambda: _client(one).post("/api/candidate/session/submit/"))

    # The invitation; finishing (status, the latest save after it, the session, its items, their choices,
    # its responses, the score, the invitation, webhooks, the report email); the reply's session and version.
    assert _count(lambda: _client(three).post("/api/candidate/session/submit/")) == with_one == 14


def test_budget_results_list_does_not_grow_with_the_number_of_sessions(make_test, recruiter_api):
    first = make_test(2, "r0@x.org")
    session_submit(session=session_start(invitation=first.invitation, now=timezone.now())[0], now=timezone.now())
    with_one = _count(lambda: recruiter_api.get("/api/test-sessions/"))
    for i in range(1, 3):
        issued = invite(first.invitation.published_version, email=f"r{i}@x.org")
        session_submit(session=session_start(invitation=issued.invitation, now=timezone.now())[0], now=timezone.now())

    # The token with its user, membership, organisation, the sessions due for lazy expiry, the count, the page.
    assert _count(lambda: recruiter_api.get("/api/test-sessions/")) == with_one == 6


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
@pytest.mark.parametrize("enabled", [True, False])
def test_autosave_statements_are_prepared_on_postgresql_unless_turned_off(make_test, settings, enabled):
    settings.ASSAY_PREPARED_STATEMENTS = enabled
    issued = make_test(3, "a@x.org")
    client = _client(issued)
    question = client.post("/api/candidate/session/start/").json()["questions"][0]
    url = f"/api/candidate/session/responses/{question['id']}/"

    response = client.put(url, {"selected": [question["choices"][0]["id"]], "seq": 1}, format="json")

    assert response.status_code == 200
    upserts = [s for s in _prepared_statements() if "ON CONFLICT" in s]
    assert bool(upserts) is enabled
