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


class SqlCountMiddleware:
    """Benchmarks only (``ASSAY_COUNT_SQL=1``): reports the request's SQL statements in ``X-SQL-Statements``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import connection

        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-SQL-Statements"] = str(count)
        return response
