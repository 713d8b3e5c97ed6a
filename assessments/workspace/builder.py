"""Workspace pages of the test builder: test list, edit, preview, publish."""

from django.shortcuts import render
from django.urls import path

from assessments.selectors import test_template_list
from assessments.workspace.access import recruiter_required


@recruiter_required
def test_list(request):
    """The organisation's test templates with their published versions."""
    return render(request, "workspace/test_list.html", {
        "templates": test_template_list(organization=request.organization),
    })


urlpatterns = [
    path("", test_list, name="workspace-home"),
]
