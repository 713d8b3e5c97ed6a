"""Who may use the recruiter's workspace pages, shared by every app's workspace views."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from assessments.selectors import organization_for_user


def recruiter_required(view):
    """Page views for recruiters: anonymous users go to the login page; signed-in users without an
    organisation get 404 (never 403, so nothing is confirmed to exist). Sets ``request.organization``
    and marks the response private and uncached."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.organization = organization_for_user(request.user)
        if request.organization is None:
            raise Http404("No such page.")
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapper
