import pytest
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import PublishedVersion
from assessments.services import DrawRuleData, SectionData
from questionbank.models import Question
from tests.factories import TopicFactory, question_make


def _template(organization, recruiter, rules):
    return services.test_template_create(
        organization=organization, created_by=recruiter, settings={"title": "T", "time_limit": 600},
        sections=[SectionData(title="Core", rules=rules)],
    )


def test_publish_freezes_settings_and_counts(organization, recruiter, bank):
    template = _template(organization, recruiter, [DrawRuleData(topic=bank[0], count=4)])

    version = services.test_template_publish(template=template, published_by=recruiter)

    assert (version.number, version.question_count, version.max_score) == (1, 4, 4)
    assert version.spec["sections"][0]["rules"][0]["count"] == 4
    template.title = "Changed"
    template.save()
    version.refresh_from_db()
    assert version.title == "T"
    assert services.test_template_publish(template=template, published_by=recruiter).number == 2


def test_publish_refuses_unsatisfiable_rule_naming_rule_and_shortfall(organization, recruiter, bank):
    hard = TopicFactory(slug="hard-topic")
    question_make(hard, difficulty="hard")
    template = _template(organization, recruiter, [
        DrawRuleData(topic=bank[0], count=2), DrawRuleData(topic=hard, difficulty="hard", count=3),
    ])

    with pytest.raises(ValidationError) as exc:
        services.test_template_publish(template=template, published_by=recruiter)

    assert exc.value.message_dict["sections"] == [
        "Section 'Core', rule 2 (topic 'hard-topic', difficulty hard, count 3): 1 published question(s) "
        "eligible, short by 2."
    ]
    assert not PublishedVersion.objects.exists()


def test_publish_specific_rules_draw_before_any_difficulty(organization, recruiter):
    topic = TopicFactory(slug="mixed")
    for n in range(2):
        question_make(topic, n=n, difficulty="hard")
    question_make(topic, n=9, difficulty="easy")
    # "any" first in the template must not use up the hard items the second rule needs.
    template = _template(organization, recruiter, [
        DrawRuleData(topic=topic, count=1), DrawRuleData(topic=topic, difficulty="hard", count=2),
    ])

    version = services.test_template_publish(template=template, published_by=recruiter)

    assert version.question_count == 3


def test_publish_ignores_draft_and_retired_questions(organization, recruiter):
    topic = TopicFactory(slug="few")
    question_make(topic, n=1)
    question_make(topic, n=2, status="draft")
    question_make(topic, n=3, status="retired")
    template = _template(organization, recruiter, [DrawRuleData(topic=topic, count=2)])

    with pytest.raises(ValidationError, match="1 published question"):
        services.test_template_publish(template=template, published_by=recruiter)
    assert Question.objects.filter(topic=topic).count() == 3
