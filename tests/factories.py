"""factory_boy factories and small builders shared by the tests."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments.models import Membership, Organization
from assessments.services import DrawRuleData, SectionData, test_template_create, test_template_publish
from candidates.services import invitation_create
from questionbank.models import Topic
from questionbank.services import ChoiceData, QuestionData, question_create

# Markers that must never reach a candidate while a session runs.
SECRET_EXPLANATION = "EXPLANATION-SECRET"
SECRET_RATIONALE = "RATIONALE-SECRET"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"recruiter{n}")
    email = factory.Sequence(lambda n: f"recruiter{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


def recruiter_create(organization: Organization | None = None):
    user = UserFactory()
    Membership.objects.create(user=user, organization=organization or OrganizationFactory())
    user.save()
    return user


def question_make(topic: Topic, *, n: int = 0, kind: str = "single_choice", difficulty: str = "easy",
                  status: str = "published", keys: tuple[int, ...] = (0,), n_choices: int = 4):
    """A published question whose choice ``i`` has text ``choice i``; ``keys`` are key indexes."""
    return question_create(data=QuestionData(
        stem=f"Question {topic.slug} {n}?\n\n```python\nprint({n})\n```",
        topic=topic, kind=kind, difficulty=difficulty, status=status,
        explanation=f"{SECRET_EXPLANATION} {n}",
        choices=[ChoiceData(text=f"choice {i}", is_key=i in keys, rationale=f"{SECRET_RATIONALE} {i}")
                 for i in range(n_choices)],
    ))


def published_version_make(*, organization: Organization, recruiter, rules: list[tuple[Topic, int]],
                           time_limit: int = 600, grace_period: int = 30, **settings):
    template = test_template_create(
        organization=organization, created_by=recruiter,
        settings={"title": "Flask check", "time_limit": time_limit, "grace_period": grace_period,
                  "pass_mark": 50, **settings},
        sections=[SectionData(title="Main", rules=[DrawRuleData(topic=t, count=c) for t, c in rules])],
    )
    return test_template_publish(template=template, published_by=recruiter)


def invite(version, *, email: str = "cand@example.com", recruiter=None, days: int = 7):
    now = timezone.now()
    return invitation_create(published_version=version, name="Cand Idate", email=email,
                             expires_at=now + timedelta(days=days), invited_by=recruiter, now=now)
