"""Workspace pages: reports."""

urlpatterns: list = []
