from django.urls import path

from assessments.api.auth import TokenApi

urlpatterns = [path("", TokenApi.as_view(), name="api-token")]
