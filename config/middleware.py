"""Middleware."""

from django.utils import timezone


class RequestClockMiddleware:
    """Stamps ``request.received_at`` before anything else runs: the one ``now`` of the request.

    Deadlines are judged by when a request arrived, not by when its processing finished.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.received_at = timezone.now()
        return self.get_response(request)
