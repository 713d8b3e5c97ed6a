"""Who is on the other end of a request: client address and user agent."""

from django.conf import settings
from django.http import HttpRequest

USER_AGENT_MAX = 300


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or with ``TRUSTED_PROXY_COUNT = n`` (settings) the
    n-th address from the right of ``X-Forwarded-For`` (each trusted proxy appends one), so a
    client cannot choose its own address by sending the header itself."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def client_user_agent(request: HttpRequest) -> str:
    """The ``User-Agent`` header, cut to what we store."""
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]
