from django.conf import settings
from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path, register_converter
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.converters import IdConverter

register_converter(IdConverter, "id")


def health(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("api/candidate/", include("candidates.api.candidate_urls")),
    path("", RedirectView.as_view(url=f"/{settings.ADMIN_URL}", permanent=False)),
    path(settings.ADMIN_URL, admin.site.urls),
    path("health/", health, name="health"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its initialiser as a script file: no inline script, so the CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/auth/token/", include("assessments.api.auth_urls")),
    path("api/", include("questionbank.api.urls")),
    path("api/", include("assessments.api.urls")),
    path("api/", include("candidates.api.urls")),
    path("workspace/", include("assessments.workspace.urls")),
    path("workspace/", include("candidates.workspace.urls")),
    path("", include("candidates.urls")),
]

admin.site.site_header = "Assay administration"
admin.site.site_title = "Assay"
