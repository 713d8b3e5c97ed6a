"""Reads of the recruiter's invitation pages and API, always scoped to the organisation."""

from django.db.models import QuerySet
from django.http import Http404

from assessments.models import Organization, PublishedVersion
from candidates.models import Invitation


def invitation_list_for_version(*, organization: Organization, published_version: PublishedVersion
                                ) -> QuerySet[Invitation]:
    """The published version's invitations, newest first, with candidate and test session joined
    (one query per page of rows)."""
    return (
        Invitation.objects.filter(organization=organization, published_version=published_version)
        .select_related("candidate", "test_session").order_by("-created_at", "-pk")
    )


def invitation_get_for_recruiter(*, organization: Organization, invitation_id: int) -> Invitation:
    """One invitation of the organisation with candidate, published version and test session;
    ``Http404`` otherwise (never 403, so nothing is confirmed to exist)."""
    try:
        return Invitation.objects.select_related("candidate", "published_version", "test_session").get(
            organization=organization, pk=invitation_id
        )
    except Invitation.DoesNotExist as exc:
        raise Http404("No such invitation.") from exc
