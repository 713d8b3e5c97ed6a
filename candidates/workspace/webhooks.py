"""Workspace pages: the organisation's webhook endpoints, their recent deliveries, test events."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from assessments.workspace.access import recruiter_required
from candidates.models import WebhookDelivery
from candidates.webhooks import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_get,
    webhook_endpoint_list,
    webhook_endpoint_update,
    webhook_ping,
)

RECENT_DELIVERIES = 5


class EndpointForm(forms.Form):
    # A plain text field: the service gives the one clear message for every refused URL.
    url = forms.CharField(label="URL", max_length=500)
    description = forms.CharField(label="Description", max_length=200, required=False)


def _page(request, form: EndpointForm, status: int = 200):
    recent = WebhookDelivery.objects.order_by("-created_at", "-id")[:RECENT_DELIVERIES]
    endpoints = webhook_endpoint_list(organization=request.organization).select_related("created_by").prefetch_related(
        Prefetch("deliveries", queryset=recent, to_attr="recent_deliveries"))
    return render(request, "workspace/webhooks.html", {
        "nav": "webhooks", "form": form, "endpoints": endpoints,
        "retry_schedule": ", ".join(_duration(s) for s in settings.WEBHOOK_RETRY_SCHEDULE),
    }, status=status)


def _duration(seconds: int) -> str:
    """``30 s``, ``2 min``, ``6 h``: the largest unit that divides evenly."""
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@recruiter_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    """``GET``: endpoints with their recent deliveries and the add form. ``POST``: add an endpoint and
    show its secret once (rendered, not redirected: the secret is never stored outside its row)."""
    if request.method == "GET":
        return _page(request, EndpointForm())
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint = webhook_endpoint_create(organization=request.organization, created_by=request.user,
                                               **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            return render(request, "workspace/webhook_created.html", {"nav": "webhooks", "endpoint": endpoint})
    return _page(request, form, status=400)


@recruiter_required
@require_POST
def webhook_set_active(request, endpoint_id: int):
    """Activate (``is_active=1``) or deactivate (``is_active=0``) an endpoint."""
    endpoint = webhook_endpoint_get(organization=request.organization, endpoint_id=endpoint_id)
    value = request.POST.get("is_active")
    if value not in ("0", "1"):
        messages.error(request, "Choose to activate or deactivate the endpoint.")
        return redirect("workspace-webhooks")
    webhook_endpoint_update(endpoint=endpoint, is_active=value == "1")
    messages.success(request, f"{endpoint.url} is {'active' if value == '1' else 'inactive'}.")
    return redirect("workspace-webhooks")


@recruiter_required
@require_POST
def webhook_delete(request, endpoint_id: int):
    """Delete an endpoint and its delivery log, once the confirmation box is ticked."""
    endpoint = webhook_endpoint_get(organization=request.organization, endpoint_id=endpoint_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the confirmation box to delete the endpoint.")
        return redirect("workspace-webhooks")
    webhook_endpoint_delete(endpoint=endpoint)
    messages.success(request, f"Deleted {endpoint.url} and its delivery log.")
    return redirect("workspace-webhooks")


@recruiter_required
@require_POST
def webhook_test(request, endpoint_id: int):
    """Send a ``ping`` event through the normal delivery path; its result shows in the log."""
    endpoint = webhook_endpoint_get(organization=request.organization, endpoint_id=endpoint_id)
    try:
        webhook_ping(endpoint=endpoint, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, f"Test event sent to {endpoint.url}; reload to see its delivery.")
    return redirect("workspace-webhooks")


urlpatterns = [
    path("webhooks/", webhook_list, name="workspace-webhooks"),
    path("webhooks/<id:endpoint_id>/active/", webhook_set_active, name="workspace-webhook-active"),
    path("webhooks/<id:endpoint_id>/delete/", webhook_delete, name="workspace-webhook-delete"),
    path("webhooks/<id:endpoint_id>/test/", webhook_test, name="workspace-webhook-test"),
]
