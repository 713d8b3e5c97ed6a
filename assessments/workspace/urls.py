"""The recruiter's workspace: sign-in and the test builder (``assessments``); invitations, results,
reports and webhooks come from ``candidates.workspace.urls``."""

from django.contrib.auth import views as auth_views
from django.urls import path

from assessments.workspace import builder

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="workspace/login.html", redirect_authenticated_user=True),
         name="workspace-login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="workspace-login"), name="workspace-logout"),
    *builder.urlpatterns,
]
