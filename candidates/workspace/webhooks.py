"""Workspace pages: webhooks."""

urlpatterns: list = []
