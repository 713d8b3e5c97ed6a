"""Reads for recruiters, always scoped to their organisation."""

from django.db.models import QuerySet
from django.http import Http404

from assessments.models import Organization, PublishedVersion, TestTemplate


def organization_for_user(user) -> Organization | None:
    """The organisation the user recruits for, or ``None`` (anonymous, or no membership)."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "membership", None)
    return membership.organization if membership else None


def test_template_list(*, organization: Organization) -> QuerySet[TestTemplate]:
    """The organisation's templates with sections, rules and fixed questions prefetched."""
    return TestTemplate.objects.filter(organization=organization).prefetch_related(
        "sections__draw_rules__topic", "sections__fixed_questions", "published_versions"
    )


def test_template_get(*, organization: Organization, template_id: int) -> TestTemplate:
    """One template of the organisation; ``Http404`` for anything else (never 403)."""
    try:
        return test_template_list(organization=organization).get(pk=template_id)
    except TestTemplate.DoesNotExist as exc:
        raise Http404("No such test template.") from exc


def published_version_get(*, organization: Organization, version_id: int) -> PublishedVersion:
    """One published version of the organisation; ``Http404`` otherwise."""
    try:
        return PublishedVersion.objects.get(organization=organization, pk=version_id)
    except PublishedVersion.DoesNotExist as exc:
        raise Http404("No such published version.") from exc


def published_version_list(*, organization: Organization, template_id: int | None = None) -> QuerySet[PublishedVersion]:
    """The organisation's published versions, newest first; only ``template_id``'s when given."""
    qs = PublishedVersion.objects.filter(organization=organization)
    if template_id is not None:
        qs = qs.filter(template_id=template_id)
    return qs.order_by("-published_at", "-id")


def test_template_latest_version(template: TestTemplate) -> PublishedVersion | None:
    """The template's highest-numbered published version, or ``None``. Uses the prefetched
    ``published_versions`` of ``test_template_list`` when present (no query per template)."""
    return max(template.published_versions.all(), key=lambda v: v.number, default=None)


def test_template_changed_since_publish(template: TestTemplate) -> bool:
    """``True`` when the draft was saved after its latest version was published (or never published)."""
    latest = test_template_latest_version(template)
    return latest is None or template.updated_at > latest.published_at
