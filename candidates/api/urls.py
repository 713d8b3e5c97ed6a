from django.urls import path

from candidates.api import invitations, recruiter, results, scorecards, webhooks

urlpatterns = [
    path("scorecards/", scorecards.ScorecardStartApi.as_view(), name="api-scorecard-start"),
    path("scorecards/<id:scorecard_id>/", scorecards.ScorecardDetailApi.as_view(), name="api-scorecard-detail"),
    path("scorecards/<id:scorecard_id>/ratings/<id:question_id>/", scorecards.ScorecardRateApi.as_view(),
         name="api-scorecard-rate"),
    path("scorecards/<id:scorecard_id>/submit/", scorecards.ScorecardSubmitApi.as_view(), name="api-scorecard-submit"),
    path("scorecards/<id:scorecard_id>/amend/", scorecards.ScorecardAmendApi.as_view(), name="api-scorecard-amend"),
    path("candidates/<id:candidate_id>/interview-report/<id:version_id>/", scorecards.InterviewReportApi.as_view(),
         name="api-interview-report"),
    path("invitations/", recruiter.InvitationListApi.as_view(), name="api-invitation-list"),
    path("test-sessions/", recruiter.SessionListApi.as_view(), name="api-test-session-list"),
    path("test-sessions/<id:session_id>/", recruiter.SessionResultApi.as_view(), name="api-test-session-detail"),
    path("test-sessions/<id:session_id>/extend/", recruiter.SessionExtendTimeApi.as_view(),
         name="api-test-session-extend"),
    path("test-sessions/<id:session_id>/grades/<id:question_id>/", recruiter.ResponseGradeApi.as_view(),
         name="api-test-session-grade"),
    *invitations.urlpatterns,
    *results.urlpatterns,
    *webhooks.urlpatterns,
]
