from django.urls import path

from assessments.api.kits import KitListApi, KitPdfApi, KitPublishApi, KitVersionApi
from assessments.api.views import (
    PublishedVersionDetailApi,
    PublishedVersionListApi,
    TestTemplateDetailApi,
    TestTemplateListApi,
    TestTemplatePreviewApi,
    TestTemplatePublishApi,
    TestTemplateStatsApi,
)

urlpatterns = [
    path("interview-kits/", KitListApi.as_view(), name="api-kit-list"),
    path("interview-kits/<id:kit_id>/publish/", KitPublishApi.as_view(), name="api-kit-publish"),
    path("interview-kit-versions/<id:version_id>/", KitVersionApi.as_view(), name="api-kit-version"),
    path("interview-kit-versions/<id:version_id>/pdf/", KitPdfApi.as_view(), name="api-kit-pdf"),
    path("test-templates/", TestTemplateListApi.as_view(), name="api-test-template-list"),
    path("test-templates/stats/", TestTemplateStatsApi.as_view(), name="api-test-template-stats"),
    path("test-templates/<id:template_id>/", TestTemplateDetailApi.as_view(), name="api-test-template-detail"),
    path("test-templates/<id:template_id>/publish/", TestTemplatePublishApi.as_view(),
         name="api-test-template-publish"),
    path("test-templates/<id:template_id>/preview/", TestTemplatePreviewApi.as_view(),
         name="api-test-template-preview"),
    path("published-versions/", PublishedVersionListApi.as_view(), name="api-published-version-list"),
    path("published-versions/<id:version_id>/", PublishedVersionDetailApi.as_view(),
         name="api-published-version-detail"),
]
