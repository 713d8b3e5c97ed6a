"""Nothing a candidate receives while the session runs reveals keys, rationales or explanations."""

from django.test import Client

from tests.factories import SECRET_EXPLANATION, SECRET_RATIONALE

FORBIDDEN = [b"is_key", b'"key"', SECRET_EXPLANATION.encode(), SECRET_RATIONALE.encode(), b"explanation",
             b"rationale", b"raw_score", b"percent_score"]


def _assert_clean(response):
    for marker in FORBIDDEN:
        assert marker not in response.content, (response.request["PATH_INFO"], marker)


def test_no_key_leak_in_any_candidate_response(issued, candidate_api):
    responses = [candidate_api.post("/api/candidate/session/start/")]
    body = responses[0].json()
    for question in body["questions"]:
        responses.append(candidate_api.put(
            f"/api/candidate/session/responses/{question['id']}/",
            {"selected": [question["choices"][0]["id"]], "seq": 1}, format="json",
        ))
    responses.append(candidate_api.get("/api/candidate/session/"))

    page_client = Client()
    page_client.get(f"/t/{issued.token}/")
    responses += [page_client.get("/take/", follow=True), page_client.get("/take/test/")]
    responses.append(candidate_api.post("/api/candidate/session/submit/"))
    responses.append(page_client.get("/take/done/"))

    assert [r.status_code for r in responses] == [201] + [200] * (len(responses) - 1)
    for response in responses:
        _assert_clean(response)


def test_no_key_leak_choices_carry_only_id_and_text(candidate_api):
    body = candidate_api.post("/api/candidate/session/start/").json()
    assert all(set(c) == {"id", "html"} for q in body["questions"] for c in q["choices"])
