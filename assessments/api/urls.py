from django.urls import path

from assessments.api.views import TestTemplateDetailApi, TestTemplateListApi, TestTemplatePublishApi

urlpatterns = [
    path("test-templates/", TestTemplateListApi.as_view(), name="api-test-template-list"),
    path("test-templates/<id:template_id>/", TestTemplateDetailApi.as_view(), name="api-test-template-detail"),
    path("test-templates/<id:template_id>/publish/", TestTemplatePublishApi.as_view(),
         name="api-test-template-publish"),
]
