"""The recruiter and candidate journey over the REST API."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from candidates.models import TestSession
from tests.factories import recruiter_create


def test_api_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/candidate/session/responses/{question_id}/" in response.content


def test_api_full_journey(recruiter_api, bank, django_capture_on_commit_callbacks):
    created = recruiter_api.post("/api/test-templates/", {
        "title": "Flask API test", "time_limit": 900, "grace_period": 20, "pass_mark": "50",
        "shuffle_questions": True, "shuffle_choices": True,
        "sections": [{"title": "One", "draw_rules": [{"topic": "routing", "count": 2},
                                                     {"topic": "templates", "count": 2, "points": "2"}]}],
    }, format="json")
    assert created.status_code == 201, created.content
    template_id = created.json()["id"]

    published = recruiter_api.post(f"/api/test-templates/{template_id}/publish/")
    assert published.status_code == 201, published.content
    assert (published.json()["question_count"], published.json()["max_score"]) == (4, "6.00")

    with django_capture_on_commit_callbacks(execute=True):
        invited = recruiter_api.post("/api/invitations/", {
            "published_version": published.json()["id"], "name": "Ada", "email": "ada@example.com",
            "expires_in_days": 3,
        }, format="json")
    assert invited.status_code == 201, invited.content
    link = invited.json()["link"]
    assert mail.outbox[-1].to == ["ada@example.com"]
    assert link in mail.outbox[-1].body
    token = link.rstrip("/").rsplit("/", 1)[1]

    candidate = APIClient()
    candidate.credentials(HTTP_AUTHORIZATION=f"Invitation {token}")
    assert candidate.get("/api/candidate/session/").status_code == 404
    started = candidate.post("/api/candidate/session/start/")
    assert started.status_code == 201
    body = started.json()
    assert body["status"] == "in_progress"
    assert 899 <= body["remaining_seconds"] <= 900
    assert len(body["questions"]) == 4
    first = body["questions"][0]
    saved = candidate.put(f"/api/candidate/session/responses/{first['id']}/",
                          {"selected": [first["choices"][0]["id"]], "seq": 1}, format="json")
    assert saved.status_code == 200, saved.content
    assert candidate.post("/api/candidate/session/start/").status_code == 200   # resume, not a second session

    submitted = candidate.post("/api/candidate/session/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert "score" not in submitted.json()
    late = candidate.put(f"/api/candidate/session/responses/{first['id']}/",
                         {"selected": [first["choices"][1]["id"]], "seq": 2}, format="json")
    assert late.status_code == 401                     # a finished invitation is no longer a credential
    assert late.json() == {"detail": "This invitation link is not valid."}

    results = recruiter_api.get("/api/test-sessions/")
    assert results.status_code == 200
    [row] = results.json()["results"]
    assert row["status"] == "submitted"
    assert row["candidate_email"] == "ada@example.com"
    assert row["max_score"] == "6.00"


def test_api_bad_template_gets_field_level_400(recruiter_api, bank):
    response = recruiter_api.post("/api/test-templates/", {
        "title": "", "time_limit": -5,
        "sections": [{"title": "S", "draw_rules": [{"topic": "nope", "count": 0}]}],
    }, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) >= {"title", "time_limit", "sections"}
    assert set(errors["sections"]["0"]["draw_rules"]["0"]) == {"topic", "count"}


def test_api_publish_shortfall_is_400_naming_the_rule(recruiter_api, bank):
    created = recruiter_api.post("/api/test-templates/", {
        "title": "Too big", "time_limit": 600,
        "sections": [{"title": "Core", "draw_rules": [{"topic": "routing", "count": 50}]}],
    }, format="json")

    response = recruiter_api.post(f"/api/test-templates/{created.json()['id']}/publish/")

    assert response.status_code == 400
    assert response.json()["sections"] == [
        "Section 'Core', rule 1 (topic 'routing', difficulty any, count 50): 6 published question(s) eligible, "
        "short by 44."
    ]


def test_api_save_bad_input_is_400_field_level(candidate_api):
    body = candidate_api.post("/api/candidate/session/start/").json()
    question = body["questions"][0]

    wrong_type = candidate_api.put(f"/api/candidate/session/responses/{question['id']}/",
                                   {"selected": "x"}, format="json")
    foreign = candidate_api.put(f"/api/candidate/session/responses/{question['id']}/",
                                {"selected": [body["questions"][1]["choices"][0]["id"]]}, format="json")
    unknown_question = candidate_api.put("/api/candidate/session/responses/999999/", {"selected": []}, format="json")

    assert (wrong_type.status_code, list(wrong_type.json())) == (400, ["selected"])
    assert (foreign.status_code, list(foreign.json())) == (400, ["selected"])
    assert (unknown_question.status_code, list(unknown_question.json())) == (400, ["question"])


def test_api_client_supplied_status_and_score_are_ignored(candidate_api):
    body = candidate_api.post("/api/candidate/session/start/").json()
    question = body["questions"][0]

    candidate_api.put(f"/api/candidate/session/responses/{question['id']}/",
                      {"selected": [], "seq": 1, "status": "submitted", "score": 100, "saved_at": "2000-01-01T00:00Z"},
                      format="json")

    session = TestSession.objects.get()
    assert session.status == "in_progress"
    assert session.raw_score is None
    assert session.responses.get().saved_at.year == timezone.now().year


def test_api_lazy_expiry_on_candidate_get(candidate_api):
    candidate_api.post("/api/candidate/session/start/")
    TestSession.objects.update(
        deadline=timezone.now() - timedelta(seconds=100), closes_at=timezone.now() - timedelta(seconds=70)
    )

    body = candidate_api.get("/api/candidate/session/").json()

    assert body["status"] == "timed_out"
    assert "questions" not in body
    session = TestSession.objects.get()
    assert session.finished_at == session.deadline


def test_api_recruiter_of_other_organization_gets_404(issued, candidate_api, version):
    candidate_api.post("/api/candidate/session/start/")
    session = TestSession.objects.get()
    outsider = APIClient()
    outsider.force_authenticate(recruiter_create())

    assert outsider.get(f"/api/test-sessions/{session.pk}/").status_code == 404
    assert outsider.get("/api/test-sessions/").json()["results"] == []
    assert outsider.get(f"/api/test-templates/{version.template_id}/").status_code == 404
    assert outsider.post("/api/invitations/", {"published_version": version.pk, "name": "X", "email": "x@x.org"},
                         format="json").status_code == 400


@pytest.mark.parametrize("header", ["Invitation nope", "Invitation", ""])
def test_api_candidate_without_valid_token_is_refused(db, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    assert client.post("/api/candidate/session/start/").status_code in (401, 403)


def test_api_stale_save_is_409_with_the_stored_answer(candidate_api):
    question = candidate_api.post("/api/candidate/session/start/").json()["questions"][0]
    url = f"/api/candidate/session/responses/{question['id']}/"
    newer, older = question["choices"][0]["id"], question["choices"][1]["id"]
    candidate_api.put(url, {"selected": [newer], "seq": 1_790_000_000_500}, format="json")

    stale = candidate_api.put(url, {"selected": [older], "seq": 1_790_000_000_000}, format="json")

    assert stale.status_code == 409
    assert stale.json() | {"detail": ""} == {"code": "stale_response", "detail": "", "selected": [newer], "text": "",
                                             "seq": 1_790_000_000_500}


def test_api_question_filters_are_validated(recruiter_api, bank):
    ok = recruiter_api.get("/api/questions/", {"topic": "routing", "difficulty": "easy", "search": "routing"})
    bad = recruiter_api.get("/api/questions/", {"difficulty": "impossible", "search": "a\x00b"})

    assert (ok.status_code, ok.json()["count"]) == (200, 6)
    assert bad.status_code == 400
    assert set(bad.json()) == {"difficulty", "search"}


def test_api_interview_questions_filter_by_kind_and_source(recruiter_api, taxonomy):
    from django.core.management import call_command

    call_command("load_seed_bank")

    page = recruiter_api.get("/api/questions/", {"kind": "free_text", "source": "002_98e5cd3a334ac6fb",
                                                 "limit": 200}).json()

    assert page["count"] > 0
    assert all(q["kind"] == "free_text" and "002_98e5cd3a334ac6fb" in q["source_reference"] for q in page["results"])
    assert all(q["model_answer"] for q in page["results"])


def test_api_nul_byte_in_a_topic_slug_is_a_400_not_a_500(recruiter_api, bank):
    response = recruiter_api.post("/api/test-templates/", {
        "title": "T", "time_limit": 600, "sections": [{"title": "S", "draw_rules": [{"topic": "a\x00b", "count": 1}]}],
    }, format="json")

    assert response.status_code == 400
    assert "topic" in response.json()["sections"]["0"]["draw_rules"]["0"]


@pytest.mark.parametrize("shuffle", [True, False])
def test_the_start_reply_shows_the_questions_as_stored(candidate_api, issued, shuffle):
    # The start answers from what it drew, not from a re-read: the two must agree to the byte.
    version = issued.invitation.published_version
    version.shuffle_questions = version.shuffle_choices = shuffle
    version.save(update_fields=["shuffle_questions", "shuffle_choices"])

    started = candidate_api.post("/api/candidate/session/start/")
    again = candidate_api.get("/api/candidate/session/")

    assert started.status_code == 201
    assert started.json()["questions"] == again.json()["questions"]
    assert [q["position"] for q in started.json()["questions"]] == list(range(1, len(started.json()["questions"]) + 1))
