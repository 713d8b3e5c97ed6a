"""Workspace pages: results."""

urlpatterns: list = []
