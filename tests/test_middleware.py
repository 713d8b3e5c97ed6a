"""The project's middleware: message storage built only for requests that use it; django-csp's headers
with the settings' policies built once."""

import pytest
from csp.constants import NONCE, SELF
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpResponse
from django.utils.functional import empty

from config.middleware import CSPMiddleware, LazyMessageMiddleware


def through_middleware(rf, view):
    request = rf.get("/")
    request.session = SessionStore()
    return request, LazyMessageMiddleware(view)(request)


def test_lazy_messages_build_no_storage_for_a_request_that_uses_none(rf):
    request, response = through_middleware(rf, lambda request: HttpResponse("ok"))

    assert request._messages._wrapped is empty
    assert "messages" not in response.cookies


def test_lazy_messages_added_are_stored_for_the_next_request(rf):
    def view(request):
        messages.success(request, "Saved.")
        return HttpResponse("ok")

    _, response = through_middleware(rf, view)
    following = rf.get("/")
    following.COOKIES["messages"] = response.cookies["messages"].value
    following.session = SessionStore()
    LazyMessageMiddleware(lambda request: HttpResponse())(following)

    assert [m.message for m in get_messages(following)] == ["Saved."]


def csp_headers(middleware, rf, *, path="/", status=200, **attributes):
    """The headers ``middleware`` gives a response (``attributes`` set on it by the view) and the request."""
    def view(request):
        response = HttpResponse(status=status)
        for name, value in attributes.items():
            setattr(response, name, value)
        return response

    request = rf.get(path)
    response = middleware(view)(request)
    return {k: v for k, v in response.headers.items() if "Security-Policy" in k}, request


CASES = {
    "plain": {},
    "exempt": {"_csp_exempt": True},
    "exempt from report only": {"_csp_exempt_ro": True},
    "changed by a decorator": {"_csp_update": {"img-src": ["https://img.example.org"]}},
    "replaced by a decorator": {"_csp_replace": {"script-src": None}},
    "not found": {"status": 404},
    "excluded path": {"path": "/excluded/page"},
}


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("report_only", [False, True])
@pytest.mark.parametrize("case", CASES)
def test_csp_headers_are_django_csps(rf, settings, case, report_only, debug):
    settings.DEBUG = debug
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/excluded"]}
    if report_only:
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}

    ours, request = csp_headers(CSPMiddleware, rf, **CASES[case])
    theirs, _ = csp_headers(DjangoCSPMiddleware, rf, **CASES[case])

    assert ours == theirs
    if case == "plain":
        assert "frame-ancestors 'none'" in ours["Content-Security-Policy"]
        assert ("Content-Security-Policy-Report-Only" in ours) is report_only  # the cache follows the settings
    if not (debug and case == "not found"):  # django-csp leaves Django's debug error pages alone
        with pytest.raises(CSPNonceError):
            str(request.csp_nonce)  # too late for a nonce once the header is written


def test_csp_header_a_view_set_is_kept(rf):
    def view(request):
        response = HttpResponse()
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    assert CSPMiddleware(view)(rf.get("/"))["Content-Security-Policy"] == "default-src 'none'"


def test_csp_nonce_used_by_a_page_is_in_its_header_as_django_csp_puts_it(rf, settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
                                                       "script-src": [SELF, NONCE]}}

    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    def header(middleware):
        request = rf.get("/")
        policy = middleware(view)(request)["Content-Security-Policy"]
        return policy.replace(request._csp_nonce, "N")

    assert header(CSPMiddleware) == header(DjangoCSPMiddleware)
    assert "'nonce-N'" in header(CSPMiddleware)
