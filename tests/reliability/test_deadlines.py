"""Guarantees 1, 3 and 5: the server's clock at arrival, lazy expiry without workers, ordered saves."""

import time
from datetime import timedelta

import time_machine
from django.utils import timezone

from candidates.models import Response, TestSession


def _start(candidate_api) -> dict:
    return candidate_api.post("/api/candidate/session/start/").json()


def test_deadline_time_used_is_when_the_request_arrived(candidate_api, monkeypatch):
    question = _start(candidate_api)["questions"][0]
    session = TestSession.objects.get()
    import candidates.api.candidate as view_module

    real = view_module.session_get_for_invitation

    def slow(**kwargs):
        time.sleep(2)  # processing outlives the deadline by a second
        return real(**kwargs)

    monkeypatch.setattr(view_module, "session_get_for_invitation", slow)
    with time_machine.travel(session.deadline - timedelta(seconds=1), tick=True):
        saved = candidate_api.put(f"/api/candidate/session/responses/{question['id']}/",
                                  {"selected": [question["choices"][0]["id"]], "seq": 1}, format="json")

    assert saved.status_code == 200
    response = Response.objects.get()
    assert session.deadline - timedelta(seconds=1) <= response.saved_at < session.deadline


def test_deadline_no_worker_candidate_and_recruiter_both_see_it_finished(candidate_api, recruiter_api):
    question = _start(candidate_api)["questions"][0]
    TestSession.objects.update(deadline=timezone.now() - timedelta(seconds=60),
                               closes_at=timezone.now() - timedelta(seconds=30))

    write = candidate_api.put(f"/api/candidate/session/responses/{question['id']}/",
                              {"selected": [question["choices"][0]["id"]], "seq": 1}, format="json")
    listed = recruiter_api.get("/api/test-sessions/").json()["results"][0]

    assert write.status_code == 409
    assert not Response.objects.exists()
    assert listed["status"] == "timed_out"
    assert listed["finished_at"] is not None


def test_deadline_recruiter_sees_expiry_even_without_any_candidate_request(candidate_api, recruiter_api):
    _start(candidate_api)
    TestSession.objects.update(deadline=timezone.now() - timedelta(seconds=60),
                               closes_at=timezone.now() - timedelta(seconds=30))

    listed = recruiter_api.get("/api/test-sessions/").json()["results"][0]

    session = TestSession.objects.get()
    assert (listed["status"], session.status) == ("timed_out", "timed_out")
    assert session.finished_at == session.deadline


def test_autosave_fifty_identical_saves_leave_one_row(candidate_api):
    question = _start(candidate_api)["questions"][0]
    body = {"selected": [question["choices"][1]["id"]], "seq": 7}

    codes = {candidate_api.put(f"/api/candidate/session/responses/{question['id']}/", body, format="json").status_code
             for _ in range(50)}

    assert codes == {200}
    assert list(Response.objects.values_list("selected", "seq")) == [([question["choices"][1]["id"]], 7)]


def test_extend_time_moves_deadline_and_records_who_and_why(candidate_api, recruiter_api, recruiter):
    _start(candidate_api)
    session = TestSession.objects.get()

    extended = recruiter_api.post(f"/api/test-sessions/{session.pk}/extend/", {"seconds": 300, "reason": "power cut"},
                                  format="json")
    refused = recruiter_api.post(f"/api/test-sessions/{session.pk}/extend/", {"seconds": 0, "reason": ""},
                                 format="json")

    assert extended.status_code == 200
    assert (refused.status_code, set(refused.json())) == (400, {"seconds", "reason"})
    updated = TestSession.objects.get()
    assert updated.deadline == session.deadline + timedelta(seconds=300)
    assert updated.closes_at == session.closes_at + timedelta(seconds=300)
    [extension] = updated.time_extensions.all()
    assert (extension.seconds, extension.reason, extension.granted_by) == (300, "power cut", recruiter)
