"""Recruiter API: webhooks."""

urlpatterns: list = []
