"""Webhooks: signed JSON events sent to an organisation's endpoints (to be completed)."""

from candidates.models import TestSession


def session_finished_event(*, session: TestSession, result) -> None:
    """Record a ``session.finished`` delivery for each active endpoint of the session's organisation,
    in the caller's transaction, and schedule sending after commit."""
