"""Recruiter API: results."""

urlpatterns: list = []
