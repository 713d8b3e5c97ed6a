"""The demo set-up the README's first command prints: organisation, recruiter, test, invitation."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessments.models import Membership, Organization, PublishedVersion, TestTemplate
from assessments.services import DrawRuleData, SectionData, test_template_create, test_template_publish
from candidates.services import IssuedInvitation, invitation_create
from questionbank.models import Topic

DEMO_TITLE = "Flask developer screening"
# (section title, [(topic slug, count)]): 20 questions over 8 topics.
DEMO_SECTIONS = [
    ("Flask fundamentals", [("basics", 2), ("routing-requests-responses", 3), ("templates-jinja2", 3)]),
    ("Building real applications", [("structure-blueprints", 2), ("contexts-hooks-signals", 4),
                                    ("configuration-cli", 2), ("auth-security", 2), ("testing", 2)]),
]


@dataclass(frozen=True)
class Demo:
    username: str
    password: str
    version: PublishedVersion
    invitation: IssuedInvitation


@transaction.atomic
def demo_setup(*, password: str) -> Demo:
    """Create (once) the demo organisation, recruiter and published test; issue a new invitation.

    Idempotent apart from the invitation: tokens are stored only as hashes, so each run issues
    a fresh link to print. Requires the seed bank to be loaded (``load_seed_bank``).
    """
    now = timezone.now()
    organization, _ = Organization.objects.get_or_create(slug="demo", defaults={"name": "Demo Company"})
    user, created = get_user_model().objects.get_or_create(
        username="recruiter",
        defaults={"email": "recruiter@demo.example", "is_staff": True, "is_superuser": True,
                  "first_name": "Demo", "last_name": "Recruiter"},
    )
    if created or not user.check_password(password):
        user.set_password(password)
        user.save()
    Membership.objects.get_or_create(user=user, defaults={"organization": organization})

    template = TestTemplate.objects.filter(organization=organization, title=DEMO_TITLE).first()
    if template is None:
        topics = {t.slug: t for t in Topic.objects.all()}
        template = test_template_create(
            organization=organization, created_by=user,
            settings={"title": DEMO_TITLE, "role": "Backend developer (Python/Flask)",
                      "description": "Twenty questions on everyday Flask work.", "time_limit": 20 * 60,
                      "grace_period": 30, "pass_mark": 60, "show_score_to_candidate": False},
            sections=[
                SectionData(title=title, rules=[DrawRuleData(topic=topics[slug], count=n) for slug, n in rules])
                for title, rules in DEMO_SECTIONS
            ],
        )
    version = template.published_versions.order_by("-number").first() or test_template_publish(
        template=template, published_by=user
    )
    issued = invitation_create(
        published_version=version, name="Demo Candidate", email="candidate@demo.example",
        expires_at=now + timedelta(days=7), invited_by=user, now=now,
    )
    return Demo(username=user.username, password=password, version=version, invitation=issued)
