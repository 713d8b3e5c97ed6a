import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.browser import browser, context, desktop  # noqa: F401 - fixtures for every test module
from tests.factories import TopicFactory, invite, published_version_make, question_make, recruiter_create


@pytest.fixture
def recruiter(db):
    return recruiter_create()


@pytest.fixture
def organization(recruiter):
    return recruiter.membership.organization


@pytest.fixture
def bank(db):
    """Two topics with six published single-choice questions each (choice 0 is the key)."""
    topics = [TopicFactory(slug="routing"), TopicFactory(slug="templates")]
    for topic in topics:
        for n in range(6):
            question_make(topic, n=n)
    return topics


@pytest.fixture
def version(organization, recruiter, bank):
    """A published 6-question test (3 per topic), 10 minutes, 30 s grace, no shuffling."""
    return published_version_make(
        organization=organization, recruiter=recruiter, rules=[(bank[0], 3), (bank[1], 3)],
        shuffle_questions=False, shuffle_choices=False,
    )


@pytest.fixture
def issued(version, recruiter):
    return invite(version, recruiter=recruiter)


@pytest.fixture
def recruiter_api(recruiter):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=recruiter).key}")
    return client


@pytest.fixture
def candidate_api(issued):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Invitation {issued.token}")
    return client


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters and login lock-outs live in the cache, rendered in-use questions, sessions' answer
    rules, autosave expectations and rate-limit leases in the process: every test starts from zero (a flushed
    database hands out the same ids again)."""
    from django.core.cache import cache

    from candidates.autosave import autosave_forget
    from candidates.selectors import session_answer_rules_forget
    from config.cache import cache_leases_forget
    from questionbank.selectors import questions_in_use_forget

    cache.clear()
    cache_leases_forget()
    questions_in_use_forget()
    session_answer_rules_forget()
    autosave_forget()


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback with scripted replies; Django sends to it."""
    from tests.smtp import start_smtp

    handler, controller = start_smtp(settings)
    yield handler
    controller.stop()


@pytest.fixture
def taxonomy(db):
    """The Flask topics of seeds/topics.yaml."""
    from pathlib import Path

    import yaml

    from questionbank.models import Topic

    path = Path(__file__).resolve().parents[1] / "seeds" / "topics.yaml"
    return [Topic.objects.get_or_create(slug=t["slug"], defaults={"name": t["name"]})[0]
            for t in yaml.safe_load(path.read_text())]
