from django.urls import path

from assessments.api.kits import KitListApi, KitPdfApi, KitPublishApi, KitVersionApi
from assessments.api.views import TestTemplateDetailApi, TestTemplateListApi, TestTemplatePublishApi

urlpatterns = [
    path("interview-kits/", KitListApi.as_view(), name="api-kit-list"),
    path("interview-kits/<id:kit_id>/publish/", KitPublishApi.as_view(), name="api-kit-publish"),
    path("interview-kit-versions/<id:version_id>/", KitVersionApi.as_view(), name="api-kit-version"),
    path("interview-kit-versions/<id:version_id>/pdf/", KitPdfApi.as_view(), name="api-kit-pdf"),
    path("test-templates/", TestTemplateListApi.as_view(), name="api-test-template-list"),
    path("test-templates/<id:template_id>/", TestTemplateDetailApi.as_view(), name="api-test-template-detail"),
    path("test-templates/<id:template_id>/publish/", TestTemplatePublishApi.as_view(),
         name="api-test-template-publish"),
]
