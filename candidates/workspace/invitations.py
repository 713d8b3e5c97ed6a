"""Workspace pages: invitations."""

urlpatterns: list = []
