from django.urls import path

from candidates import views

urlpatterns = [
    path("t/<str:token>/", views.landing, name="candidate-landing"),
    path("take/", views.home, name="candidate-home"),
    path("take/start/", views.start, name="candidate-start"),
    path("take/test/", views.test_page, name="candidate-test"),
    path("take/submit/", views.submit, name="candidate-submit"),
    path("take/done/", views.done, name="candidate-done"),
    path("results/<id:session_id>/", views.recruiter_session_result, name="recruiter-session-result"),
]
