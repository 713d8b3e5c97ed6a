"""Workspace pages owned by ``candidates``: invitations, results, reports, webhooks."""

from candidates.workspace import invitations, reports, results, webhooks

urlpatterns = [*invitations.urlpatterns, *results.urlpatterns, *reports.urlpatterns, *webhooks.urlpatterns]
