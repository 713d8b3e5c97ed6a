"""The candidate's pages: landing redirect, instructions, test page, resume, submit, finished."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from candidates.models import Response, TestSession


def _land(issued) -> Client:
    client = Client(enforce_csrf_checks=True)
    response = client.get(f"/t/{issued.token}/")
    assert response.status_code == 302
    assert response["Location"] == "/take/"
    assert issued.token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    page = client.get("/take/")
    assert (page["Referrer-Policy"], page["Cache-Control"]) == ("same-origin", "no-store")
    return client


def _csrf(client: Client) -> str:
    return str(client.get("/take/").context["csrf_token"])


def test_pages_landing_then_instructions_without_starting_the_timer(issued):
    client = _land(issued)

    page = client.get("/take/")

    assert page.status_code == 200
    assert b"Start the test" in page.content
    assert b"6</strong> multiple-choice questions" in page.content
    assert not TestSession.objects.exists()


def test_pages_unknown_expired_and_revoked_links_say_which(issued, version, recruiter):
    from candidates.services import invitation_revoke
    from tests.factories import invite

    unknown = Client().get("/t/not-a-token/")
    expired = invite(version, email="old@x.org")
    expired.invitation.expires_at = timezone.now() - timedelta(minutes=1)
    expired.invitation.save()
    revoked = invite(version, email="rev@x.org")
    invitation_revoke(invitation=revoked.invitation)

    assert (unknown.status_code, b"not valid" in unknown.content) == (404, True)
    assert b"expired" in Client().get(f"/t/{expired.token}/").content
    assert b"withdrawn" in Client().get(f"/t/{revoked.token}/").content
    assert Client().get("/take/").status_code == 403


def test_pages_start_answer_reload_resume_and_submit(issued):
    client = _land(issued)
    csrf = _csrf(client)

    started = client.post("/take/start/", {"csrfmiddlewaretoken": csrf})
    assert started["Location"] == "/take/test/"
    page = client.get("/take/test/")
    assert page.status_code == 200
    question = page.context["questions"][0]
    choice_id = question["choices"][1]["id"]
    saved = client.put(f"/api/candidate/session/responses/{question['id']}/",
                       data={"selected": [choice_id], "seq": 1}, content_type="application/json",
                       HTTP_X_CSRFTOKEN=csrf)
    assert saved.status_code == 200, saved.content

    reloaded = client.get(f"/t/{issued.token}/", follow=True)     # reopening the link resumes
    assert reloaded.redirect_chain[-1][0] == "/take/test/"
    assert [q["id"] for q in reloaded.context["questions"]] == [q["id"] for q in page.context["questions"]]
    assert f'value="{choice_id}" checked'.encode() in reloaded.content

    done = client.post("/take/submit/", {"csrfmiddlewaretoken": csrf}, follow=True)
    assert b"your test is finished" in done.content
    assert TestSession.objects.get().status == "submitted"
    assert client.get("/take/test/")["Location"] == "/take/done/"


def test_pages_autosave_without_csrf_token_is_refused(issued):
    client = _land(issued)
    client.post("/take/start/", {"csrfmiddlewaretoken": _csrf(client)})
    question = client.get("/take/test/").context["questions"][0]

    response = client.put(f"/api/candidate/session/responses/{question['id']}/",
                          data={"selected": [], "seq": 1}, content_type="application/json")

    assert response.status_code == 403
    assert not Response.objects.exists()


def test_pages_recruiter_result_is_scoped_to_organization(issued, recruiter, client):
    from candidates.services import session_start, session_submit
    from tests.factories import recruiter_create

    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    session_submit(session=session, now=timezone.now())

    client.force_login(recruiter)
    page = client.get(f"/results/{session.pk}/")
    client.force_login(recruiter_create())
    other = client.get(f"/results/{session.pk}/")

    assert page.status_code == 200
    assert b"(key)" in page.content
    assert other.status_code == 404


def test_pages_revocation_takes_effect_on_the_next_request(issued, candidate_api):
    from candidates.services import invitation_revoke

    client = _land(issued)
    client.post("/take/start/", {"csrfmiddlewaretoken": _csrf(client)})
    assert client.get("/take/test/").status_code == 200

    invitation_revoke(invitation=issued.invitation)

    page = client.get("/take/test/")
    api = candidate_api.get("/api/candidate/session/")
    assert (page.status_code, b"withdrawn" in page.content) == (403, True)
    assert api.status_code == 401
