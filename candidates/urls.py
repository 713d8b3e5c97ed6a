from django.urls import path

from candidates import views
from candidates.workspace import reports

urlpatterns = [
    path("t/<str:token>/", views.landing, name="candidate-landing"),
    path("take/", views.home, name="candidate-home"),
    path("take/start/", views.start, name="candidate-start"),
    path("take/test/", views.test_page, name="candidate-test"),
    path("take/submit/", views.submit, name="candidate-submit"),
    path("take/done/", views.done, name="candidate-done"),
    path("results/<id:session_id>/", reports.recruiter_session_result, name="recruiter-session-result"),
]
