"""The recruiter API of the builder: replace, stats, preview, published versions."""

import json
import math

import pytest
from rest_framework.test import APIClient

from assessments import services
from assessments.services import DrawRuleData, SectionData
from questionbank.models import Choice
from tests.factories import (
    SECRET_EXPLANATION,
    SECRET_RATIONALE,
    TopicFactory,
    published_version_make,
    question_make,
    recruiter_create,
)


def _body(**overrides):
    body = {"title": "Flask", "time_limit": 600, "sections": [
        {"title": "Core", "draw_rules": [{"topic": "routing", "count": 2}, {"topic": "templates", "count": 1,
                                                                             "difficulty": "easy", "points": "2"}]},
    ]}
    body.update(overrides)
    return body


@pytest.fixture
def template(recruiter_api, bank):
    response = recruiter_api.post("/api/test-templates/", _body(), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def other_api(db):
    client = APIClient()
    client.force_login(recruiter_create())
    return client


def test_put_replaces_the_template(recruiter_api, template, bank):
    fixed = question_make(bank[0], n=40, kind="free_text", n_choices=0, keys=())
    response = recruiter_api.put(f"/api/test-templates/{template['id']}/", _body(
        title="Renamed", pass_mark="75.5", sections=[
            {"title": "A", "draw_rules": [{"topic": "templates", "count": 3}]},
            {"title": "B", "fixed_questions": [{"question": fixed.pk, "points": "5"}]},
        ]), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["pass_mark"]) == ("Renamed", "75.50")
    assert [s["title"] for s in body["sections"]] == ["A", "B"]
    assert body["sections"][1]["fixed_questions"] == [{"question": fixed.pk, "points": "5.00"}]
    assert recruiter_api.get(f"/api/test-templates/{template['id']}/").json()["sections"] == body["sections"]


def test_put_bad_input_is_400_with_field_paths_and_changes_nothing(recruiter_api, template):
    url = f"/api/test-templates/{template['id']}/"
    response = recruiter_api.put(url, _body(time_limit=3, sections=[
        {"title": "", "draw_rules": [{"topic": "no-such-topic", "count": 0}]},
        {"title": "Ok", "fixed_questions": [{"question": 999999}]},
    ]), format="json")

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"time_limit", "sections"}
    first, second = (errors["sections"][k] for k in ("0", "1")) if isinstance(errors["sections"], dict) else (
        errors["sections"][0], errors["sections"][1])
    assert set(first) == {"title", "draw_rules"}
    rule_errors = first["draw_rules"]["0"] if isinstance(first["draw_rules"], dict) else first["draw_rules"][0]
    assert set(rule_errors) == {"topic", "count"}
    assert "question" in (second["fixed_questions"]["0"] if isinstance(second["fixed_questions"], dict)
                          else second["fixed_questions"][0])

    response = recruiter_api.put(url, _body(sections=[]), format="json")
    assert response.status_code == 400
    assert response.json() == {"sections": ["A test needs at least one section."]}
    assert recruiter_api.get(url).json()["sections"] == template["sections"]


def test_other_organisation_gets_404_everywhere(other_api, template, recruiter, organization, bank):
    version = published_version_make(organization=organization, recruiter=recruiter, rules=[(bank[0], 1)])
    tid = template["id"]
    assert other_api.put(f"/api/test-templates/{tid}/", _body(), format="json").status_code == 404
    assert other_api.get(f"/api/test-templates/{tid}/preview/").status_code == 404
    assert other_api.get(f"/api/published-versions/{version.pk}/").status_code == 404
    assert other_api.get("/api/published-versions/").json()["results"] == []


def test_stats_for_an_unsaved_draft(recruiter_api, bank):
    response = recruiter_api.post("/api/test-templates/stats/", {"sections": [
        {"title": "A", "draw_rules": [{"topic": "routing", "count": 2, "difficulty": "easy"},
                                      {"topic": "routing", "count": 3}]},
        {"title": "B", "draw_rules": [{"topic": "templates", "count": 7, "points": "2"}]},
    ]}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    rules = [r for s in body["sections"] for r in s["rules"]]
    assert [(r["eligible"], r["available"], r["short_by"]) for r in rules] == [(6, 6, 0), (6, 4, 0), (6, 6, 1)]
    assert rules[2]["shortfall"].startswith("Section 'B', rule 1 (topic 'templates'")
    assert body["shortfalls"] == [rules[2]["shortfall"]]
    assert (body["question_count"], body["total_points"], body["expected_seconds"]) == (12, "19.00", 12 * 45)
    assert body["distinct_forms"] == "0"


def test_stats_distinct_forms_is_an_exact_string(recruiter_api, db):
    topic = TopicFactory(slug="wide")
    for n in range(60):
        question_make(topic, n=n, n_choices=2)
    response = recruiter_api.post("/api/test-templates/stats/", {"sections": [
        {"title": "A", "draw_rules": [{"topic": "wide", "count": 30}]}]}, format="json")
    assert response.json()["distinct_forms"] == str(math.comb(60, 30))


def test_stats_bad_input_is_400_naming_the_field(recruiter_api, bank):
    response = recruiter_api.post("/api/test-templates/stats/", {"sections": [
        {"title": "A", "draw_rules": [{"topic": "routing", "count": "many", "difficulty": "brutal"}]}]}, format="json")
    assert response.status_code == 400
    rule = response.json()["sections"]
    rule = (rule["0"] if isinstance(rule, dict) else rule[0])["draw_rules"]
    rule = rule["0"] if isinstance(rule, dict) else rule[0]
    assert set(rule) == {"count", "difficulty"}
    assert recruiter_api.post("/api/test-templates/stats/", {}, format="json").json() == {
        "sections": ["This field is required."]}


def test_preview_has_no_keys_and_repeats_by_seed(recruiter_api, template):
    url = f"/api/test-templates/{template['id']}/preview/"
    response = recruiter_api.get(url, {"seed": 11})

    assert response.status_code == 200
    text = response.content.decode()
    for secret in ("is_key", "rationale", "explanation", SECRET_RATIONALE, SECRET_EXPLANATION):
        assert secret not in text
    body = response.json()
    assert body["seed"] == 11
    assert len(body["questions"]) == 3
    assert set(body["questions"][0]) == {"position", "section_title", "points", "kind", "stem", "stem_html",
                                         "choices"}
    assert set(body["questions"][0]["choices"][0]) == {"id", "text", "html"}
    assert recruiter_api.get(url, {"seed": 11}).json() == body
    assert Choice.objects.filter(pk=body["questions"][0]["choices"][0]["id"]).exists()
    assert recruiter_api.get(url, {"seed": -1}).status_code == 400


def test_preview_of_an_unsatisfiable_draft_is_400_naming_the_rule(recruiter_api, template):
    recruiter_api.put(f"/api/test-templates/{template['id']}/", _body(sections=[
        {"title": "Core", "draw_rules": [{"topic": "routing", "count": 9}]}]), format="json")
    response = recruiter_api.get(f"/api/test-templates/{template['id']}/preview/")
    assert response.status_code == 400
    assert "short by 3" in json.dumps(response.json())


def test_publish_edit_publish_again_and_read_versions(recruiter_api, template):
    tid = template["id"]
    v1 = recruiter_api.post(f"/api/test-templates/{tid}/publish/").json()
    recruiter_api.put(f"/api/test-templates/{tid}/", _body(title="Second"), format="json")
    v2 = recruiter_api.post(f"/api/test-templates/{tid}/publish/").json()

    assert (v1["number"], v1["title"], v2["number"], v2["title"]) == (1, "Flask", 2, "Second")
    listed = recruiter_api.get("/api/published-versions/").json()["results"]
    assert [v["number"] for v in listed] == [2, 1]
    assert [v["number"] for v in recruiter_api.get("/api/published-versions/", {"template": tid}).json()["results"]] \
        == [2, 1]
    detail = recruiter_api.get(f"/api/published-versions/{v1['id']}/").json()
    assert (detail["title"], detail["spec"]["sections"][0]["title"], detail["shuffle_choices"]) == ("Flask", "Core",
                                                                                                     True)
    # Read-only: there is no write method on a published version.
    assert recruiter_api.put(f"/api/published-versions/{v1['id']}/", {}, format="json").status_code == 405


def test_template_spec_is_public_and_used_by_publish(organization, recruiter, bank):
    template = services.test_template_create(organization=organization, settings={"title": "T", "time_limit": 60},
                                             sections=[SectionData("S", rules=[DrawRuleData(bank[0], 1)])])
    assert services.test_template_publish(template=template).spec == services.test_template_spec(template)
