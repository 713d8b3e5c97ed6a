from rest_framework import permissions

from assessments.selectors import organization_for_user


class IsRecruiter(permissions.BasePermission):
    """An authenticated user with an organisation membership; sets ``request.organization``."""

    message = "Only recruiters of an organisation can do this."

    def has_permission(self, request, view):
        request.organization = organization_for_user(request.user)
        return request.organization is not None
