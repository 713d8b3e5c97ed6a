"""The builder's numbers (assessments.builder), the update service and the workspace builder pages."""

import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import services
from assessments.builder import spec_from_sections, template_preview, template_stats
from assessments.models import DrawRule, PublishedVersion, Section, TestTemplate
from assessments.services import DrawRuleData, FixedQuestionData, SectionData
from questionbank.models import Question
from tests.factories import SECRET_EXPLANATION, SECRET_RATIONALE, TopicFactory, question_make, recruiter_create


@pytest.fixture
def small_bank(db):
    """alpha: 3 hard + 2 easy published choice items, plus a free-text and a draft item (never
    eligible); beta: 4 medium."""
    alpha, beta = TopicFactory(slug="alpha"), TopicFactory(slug="beta")
    items = {
        "hard": [question_make(alpha, n=n, difficulty="hard") for n in range(3)],
        "easy": [question_make(alpha, n=10 + n, difficulty="easy") for n in range(2)],
        "medium": [question_make(beta, n=20 + n, difficulty="medium") for n in range(4)],
        "free": question_make(alpha, n=30, kind="free_text", n_choices=0, keys=()),
        "draft": question_make(alpha, n=31, status="draft"),
    }
    return alpha, beta, items


def _stats(sections):
    return template_stats(spec_from_sections(sections))


# --- Stats ----------------------------------------------------------------------------------------

def test_stats_eligible_available_forms_points_and_duration_on_a_hand_computed_bank(small_bank):
    alpha, beta, items = small_bank
    stats = _stats([
        SectionData("One", rules=[DrawRuleData(alpha, 2), DrawRuleData(alpha, 2, "hard")]),
        SectionData("Two", rules=[DrawRuleData(beta, 3, "medium", Decimal("2"))],
                    fixed=[FixedQuestionData(items["free"], Decimal("5"))]),
    ])

    any_rule, hard_rule = stats.sections[0].rules
    medium_rule = stats.sections[1].rules[0]
    # "any" sees all 5 published choice items of alpha; the hard rule draws first and takes 2 of them.
    assert (any_rule.eligible, any_rule.available, any_rule.forms) == (5, 3, math.comb(3, 2))
    assert (hard_rule.eligible, hard_rule.available, hard_rule.forms) == (3, 3, math.comb(3, 2))
    assert (medium_rule.eligible, medium_rule.available, medium_rule.forms) == (4, 4, math.comb(4, 3))
    assert stats.distinct_forms == 3 * 3 * 4
    assert stats.question_count == 2 + 2 + 3 + 1
    assert stats.total_points == Decimal("2") + 2 + 3 * 2 + 5
    # hard 2×120, medium 3×75, free text 300; "any" averages what is left to it (1 hard, 2 easy): 70 s × 2.
    assert stats.expected_seconds == 240 + 225 + 300 + 140
    assert stats.shortfalls == []


def test_stats_fixed_questions_leave_the_pool(small_bank):
    alpha, _, items = small_bank
    stats = _stats([SectionData("One", rules=[DrawRuleData(alpha, 2, "easy")],
                                fixed=[FixedQuestionData(items["easy"][0])])])

    rule = stats.sections[0].rules[0]
    assert (rule.eligible, rule.available, rule.short_by) == (2, 1, 1)
    assert stats.distinct_forms == 0


def test_stats_shortfall_per_rule_matches_the_publish_check(small_bank, organization, recruiter):
    alpha, beta, _ = small_bank
    sections = [SectionData("Core", rules=[DrawRuleData(beta, 1), DrawRuleData(alpha, 4, "hard")])]
    stats = _stats(sections)
    template = services.test_template_create(organization=organization, created_by=recruiter,
                                             settings={"title": "T", "time_limit": 600}, sections=sections)

    with pytest.raises(ValidationError) as exc:
        services.test_template_publish(template=template)

    assert stats.sections[0].rules[0].shortfall == ""
    assert stats.sections[0].rules[1].short_by == 1
    assert stats.shortfalls == exc.value.message_dict["sections"]
    assert stats.distinct_forms == 0


def test_stats_any_rule_with_nothing_left_is_planned_as_medium(small_bank):
    alpha, _, _ = small_bank
    stats = _stats([SectionData("One", rules=[
        DrawRuleData(alpha, 1), DrawRuleData(alpha, 3, "hard"), DrawRuleData(alpha, 2, "easy"),
    ])])
    assert [r.available for r in stats.sections[0].rules] == [0, 3, 2]
    assert stats.sections[0].rules[0].short_by == 1
    assert stats.expected_seconds == 75 + 3 * 120 + 2 * 45


def test_stats_distinct_forms_beyond_2_to_the_53(db):
    topic = TopicFactory(slug="big")
    for n in range(60):
        question_make(topic, n=n, n_choices=2)
    stats = _stats([SectionData("One", rules=[DrawRuleData(topic, 30)])])
    assert stats.distinct_forms == math.comb(60, 30) > 2**53


# --- Update service ------------------------------------------------------------------------------

def _create(organization, recruiter, bank, **settings):
    return services.test_template_create(
        organization=organization, created_by=recruiter, settings={"title": "Old", "time_limit": 600, **settings},
        sections=[SectionData("A", rules=[DrawRuleData(bank[0], 2)]),
                  SectionData("B", rules=[DrawRuleData(bank[1], 1)])],
    )


def test_update_replaces_settings_sections_rules_and_fixed(organization, recruiter, bank):
    template = _create(organization, recruiter, bank, pass_mark=70)
    free = question_make(bank[0], n=50, kind="free_text", n_choices=0, keys=())
    old_rules = list(DrawRule.objects.filter(section__template=template).values_list("pk", flat=True))

    updated = services.test_template_update(
        template=template, settings={"title": "New", "time_limit": 900, "shuffle_choices": False},
        sections=[SectionData("Only", rules=[DrawRuleData(bank[1], 3, "easy", Decimal("2"))],
                              fixed=[FixedQuestionData(free, Decimal("4"))])],
    )

    template.refresh_from_db()
    assert (template.title, template.time_limit, template.shuffle_choices) == ("New", 900, False)
    assert template.pass_mark == Decimal("60")  # full replace: an omitted setting is back to its default
    assert updated.pk == template.pk
    assert list(template.sections.values_list("title", flat=True)) == ["Only"]
    assert not DrawRule.objects.filter(pk__in=old_rules).exists()
    assert services.test_template_spec(template) == {"sections": [{
        "title": "Only",
        "rules": [{"topic_id": bank[1].pk, "topic": "templates", "difficulty": "easy", "count": 3, "points": "2.00"}],
        "fixed": [{"question_id": free.pk, "points": "4.00"}],
    }]}


def test_update_validation_errors_leave_the_template_intact(organization, recruiter, bank):
    template = _create(organization, recruiter, bank)
    before = services.test_template_spec(template)

    with pytest.raises(ValidationError) as exc:
        services.test_template_update(template=template, settings={"title": "", "time_limit": 5}, sections=[])

    assert set(exc.value.message_dict) == {"title", "time_limit", "sections"}
    assert exc.value.message_dict["sections"] == ["A test needs at least one section."]
    assert template.title == "Old"
    template.refresh_from_db()
    assert (template.title, template.time_limit) == ("Old", 600)
    assert services.test_template_spec(template) == before


def test_update_refuses_missing_and_duplicate_fixed_questions_and_empty_sections(organization, recruiter, bank):
    template = _create(organization, recruiter, bank)
    question = Question.objects.filter(topic=bank[0]).first()
    ghost = Question(pk=987654321)

    with pytest.raises(ValidationError) as exc:
        services.test_template_update(template=template, settings={"title": "T", "time_limit": 600}, sections=[
            SectionData("A", fixed=[FixedQuestionData(question), FixedQuestionData(question)]),
            SectionData("B", fixed=[FixedQuestionData(ghost)]),
            SectionData("C"),
        ])

    assert exc.value.message_dict["sections"] == [
        f"Section 1 ('A'): question {question.pk} is listed twice.",
        "Section 3 ('C') has no draw rules or questions.",
        "Question 987654321 does not exist.",
    ]
    assert Section.objects.filter(template=template).count() == 2


def test_create_reports_settings_and_section_problems_together(organization, recruiter):
    with pytest.raises(ValidationError) as exc:
        services.test_template_create(organization=organization, settings={"title": "T", "time_limit": 1},
                                      sections=[])
    assert set(exc.value.message_dict) == {"time_limit", "sections"}
    assert not TestTemplate.objects.exists()


# --- Preview -------------------------------------------------------------------------------------

def test_preview_is_reproducible_by_seed_and_follows_the_settings(organization, recruiter, bank):
    template = _create(organization, recruiter, bank, shuffle_questions=True, shuffle_choices=True)

    first = template_preview(template=template, seed=7)
    again = template_preview(template=template, seed=7)

    assert [q.stem for q in first] == [q.stem for q in again]
    assert [q.section_title for q in first] == ["A", "A", "B"]
    assert all(len(q.choices) == 4 for q in first)
    orders = {tuple(c.text for c in q.choices) for seed in range(12) for q in template_preview(template=template,
                                                                                              seed=seed)}
    assert len(orders) > 1  # choices are shuffled
    assert not hasattr(first[0].choices[0], "is_key")


# --- Pages ---------------------------------------------------------------------------------------

def _post_data(**overrides):
    data = {"title": "Flask basics", "role": "Backend", "description": "", "time_limit_minutes": "15",
            "grace_period": "30", "pass_mark": "60", "fast_answer_threshold": "5", "shuffle_questions": "on",
            "s0-title": "Core", "s0-r0-topic": "routing", "s0-r0-difficulty": "", "s0-r0-count": "3",
            "s0-r0-points": "1", "action": "save"}
    data.update(overrides)
    return data


@pytest.fixture
def page(client, recruiter):
    client.force_login(recruiter)
    return client


def test_pages_create_edit_preview_publish_and_edit_again(page, organization, bank):
    response = page.post(reverse("workspace-test-new"), _post_data())
    template = TestTemplate.objects.get(organization=organization)
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/tests/{template.pk}/"
    assert template.time_limit == 900
    assert template.shuffle_questions
    assert not template.shuffle_choices

    response = page.get(response["Location"])
    assert b"Draft \xe2\x80\x94 not published yet" in response.content
    assert b"6 eligible" in response.content

    preview = page.get(reverse("workspace-test-preview", kwargs={"template_id": template.pk}), {"seed": 3})
    assert preview.status_code == 200
    body = preview.content.decode()
    assert body.count("<fieldset class=\"card question\" disabled>") == 3
    for secret in ("is_key", "checked", SECRET_RATIONALE, SECRET_EXPLANATION, "Rationale"):
        assert secret not in body

    response = page.post(reverse("workspace-test-publish", kwargs={"template_id": template.pk}))
    version = PublishedVersion.objects.get(template=template)
    assert response["Location"] == reverse("workspace-version", kwargs={"version_id": version.pk})
    version_page = page.get(response["Location"]).content.decode()
    assert "Published as v1." in version_page
    assert "Published (read-only)" in version_page
    assert 'name="title"' not in version_page
    assert "Published as v1" in page.get(reverse("workspace-home")).content.decode()

    page.post(reverse("workspace-test-edit", kwargs={"template_id": template.pk}),
              _post_data(title="Flask basics 2", **{"s0-r0-count": "4"}))
    edit_page = page.get(reverse("workspace-test-edit", kwargs={"template_id": template.pk})).content.decode()
    assert "Draft — changed since v1" in edit_page
    page.post(reverse("workspace-test-publish", kwargs={"template_id": template.pk}))
    v1, v2 = PublishedVersion.objects.filter(template=template).order_by("number")
    assert (v1.title, v1.question_count, v2.number, v2.title, v2.question_count) == (
        "Flask basics", 3, 2, "Flask basics 2", 4)


def test_page_publish_shows_each_shortfall(page, organization, bank):
    page.post(reverse("workspace-test-new"), _post_data(**{"s0-r0-count": "9"}))
    template = TestTemplate.objects.get(organization=organization)

    response = page.post(reverse("workspace-test-publish", kwargs={"template_id": template.pk}), follow=True)

    assert "6 published question(s) eligible, short by 3." in response.content.decode()
    assert not PublishedVersion.objects.exists()


def test_page_save_errors_are_shown_next_to_fields_and_nothing_is_written(page, bank):
    response = page.post(reverse("workspace-test-new"), _post_data(
        title="", time_limit_minutes="abc", **{"s0-r0-topic": "", "s0-r0-count": "0"}))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_title-error"' in body
    assert 'id="id_time_limit_minutes-error"' in body
    assert 'id="s0-r0-topic-error"' in body
    assert 'id="s0-r0-count-error"' in body
    assert not TestTemplate.objects.exists()


def test_page_structural_actions_need_no_script(page, bank):
    url = reverse("workspace-test-new")
    body = page.post(url, _post_data(action="add-section")).content.decode()
    assert 'name="s1-title"' in body
    assert 'name="s1-r0-topic"' in body
    body = page.post(url, _post_data(action="add-fixed-0", add_question="42")).content.decode()
    assert 'name="s0-f0-question"' in body
    assert 'value="42"' in body
    body = page.post(url, _post_data(action="remove-rule-0-0")).content.decode()
    assert 'name="s0-r0-topic"' not in body
    assert not TestTemplate.objects.exists()


def test_pages_are_scoped_to_the_organisation(client, organization, recruiter, bank):
    template = _create(organization, recruiter, bank)
    version = services.test_template_publish(template=template)
    client.force_login(recruiter_create())
    for url in (reverse("workspace-test-edit", kwargs={"template_id": template.pk}),
                reverse("workspace-test-preview", kwargs={"template_id": template.pk}),
                reverse("workspace-version", kwargs={"version_id": version.pk})):
        assert client.get(url).status_code == 404
    assert client.post(reverse("workspace-test-publish", kwargs={"template_id": template.pk})).status_code == 404
    assert client.post(reverse("workspace-test-edit", kwargs={"template_id": template.pk}),
                       _post_data()).status_code == 404
    assert "Old" not in client.get(reverse("workspace-home")).content.decode()
