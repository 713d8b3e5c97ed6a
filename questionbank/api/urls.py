from django.urls import path

from questionbank.api.imports import QuestionImportApi
from questionbank.api.views import QuestionDetailApi, QuestionListApi, TopicListApi

urlpatterns = [
    path("topics/", TopicListApi.as_view(), name="api-topic-list"),
    path("questions/", QuestionListApi.as_view(), name="api-question-list"),
    path("questions/<id:pk>/", QuestionDetailApi.as_view(), name="api-question-detail"),
    path("questions/import/", QuestionImportApi.as_view(), name="api-question-import"),
]
