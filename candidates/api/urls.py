from django.urls import path

from candidates.api import candidate, recruiter

urlpatterns = [
    path("invitations/", recruiter.InvitationListApi.as_view(), name="api-invitation-list"),
    path("test-sessions/", recruiter.SessionListApi.as_view(), name="api-test-session-list"),
    path("test-sessions/<id:session_id>/", recruiter.SessionResultApi.as_view(), name="api-test-session-detail"),
    path("test-sessions/<id:session_id>/extend/", recruiter.SessionExtendTimeApi.as_view(),
         name="api-test-session-extend"),
    path("candidate/session/", candidate.SessionDetailApi.as_view(), name="api-candidate-session"),
    path("candidate/session/start/", candidate.SessionStartApi.as_view(), name="api-candidate-start"),
    path("candidate/session/responses/<id:question_id>/", candidate.ResponseSaveApi.as_view(),
         name="api-candidate-response"),
    path("candidate/session/submit/", candidate.SessionSubmitApi.as_view(), name="api-candidate-submit"),
    path("candidate/session/events/", candidate.EventRecordApi.as_view(), name="api-candidate-events"),
]
