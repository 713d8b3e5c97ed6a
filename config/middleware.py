"""Middleware."""

import http.client
from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty


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


class LazyMessageMiddleware(MessageMiddleware):
    """Django's ``MessageMiddleware`` with the message storage built when a request first uses it.

    Django builds it for every request (a cookie storage with its signer and a session storage: 3 % of an
    autosave's CPU), and only the admin and the recruiter's pages ever add or show a message. A request
    that never touched it has nothing to store, so its response is left alone; one that did is handled
    exactly as Django's middleware handles it.
    """

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)


# What a view's decorators (``csp.decorators``) set on a response to change its policy.
_POLICY_CHANGES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro",
                   "_csp_replace_ro")
# (header, the response attribute that exempts it, the setting that configures it, report only)
_POLICY_HEADERS = ((HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY", False),
                   (HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY", True))


@cache
def _settings_policy(report_only: bool) -> str:
    return build_policy(report_only=report_only)


@receiver(setting_changed)
def _settings_policy_forget(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _settings_policy.cache_clear()


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware (pinned 4.0), with the policies in the settings built once per process.

    django-csp builds each policy header from the settings for every response (5 % of an autosave's CPU),
    though only a view's ``csp.decorators`` or a used nonce make one response's policy differ. Responses
    with either go to django-csp as before; the others get the same headers under the same conditions as
    its ``process_response`` sets them (DEBUG error pages, exempt responses, a header already set,
    ``EXCLUDE_URL_PREFIXES``), and ``tests/test_middleware.py`` holds the two to the same output.
    """

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
                getattr(response, name, None) is not None for name in _POLICY_CHANGES):
            return super().process_response(request, response)
        debug_page = response.status_code in (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
        if debug_page and settings.DEBUG:
            return response
        for header, exempt, setting, report_only in _POLICY_HEADERS:
            policy = _settings_policy(report_only)
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
            if (policy and header not in response and getattr(response, exempt, False) is False
                    and not request.path_info.startswith(tuple(prefixes))):
                response[header] = policy
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
