"""Recruiter API: invitations."""

urlpatterns: list = []
