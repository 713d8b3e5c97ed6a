"""The candidate's routes, under ``api/candidate/`` and tried before every other route (config/urls.py):
Django tries patterns in order, and these carry an exam's load (a save every few seconds from every
candidate)."""

from django.urls import path

from candidates.api import candidate

urlpatterns = [
    path("session/", candidate.SessionDetailApi.as_view(), name="api-candidate-session"),
    path("session/start/", candidate.SessionStartApi.as_view(), name="api-candidate-start"),
    path("session/responses/<id:question_id>/", candidate.response_save_route, name="api-candidate-response"),
    path("session/submit/", candidate.SessionSubmitApi.as_view(), name="api-candidate-submit"),
    path("session/events/", candidate.EventRecordApi.as_view(), name="api-candidate-events"),
]
