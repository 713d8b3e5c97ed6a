"""Errors of the candidate-facing services; the API maps each to an HTTP status."""


class CandidateError(Exception):
    """Base class; ``code`` is a stable machine-readable reason."""

    code = "error"
    http_status = 400


class InvitationUnavailable(CandidateError):
    """The invitation cannot start a session: ``code`` says expired, revoked or finished."""

    http_status = 403

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


class SessionClosed(CandidateError):
    """The session is finished (submitted, or past ``deadline + grace_period``)."""

    code = "session_closed"
    http_status = 409


class StaleResponse(CandidateError):
    """A save carried an older ``seq`` than the stored answer; nothing was changed.

    ``selected`` and ``seq`` are the stored (newer) answer, so the page can show it.
    """

    code = "stale_response"
    http_status = 409

    def __init__(self, message: str, *, selected: list[int], seq: int, text: str = ""):
        self.selected, self.seq, self.text = selected, seq, text
        super().__init__(message)


class TooManyEvents(CandidateError):
    """The session's integrity events exceed their cap (in total or per minute)."""

    code = "too_many_events"
    http_status = 429
