"""Who is on the other end of a request: client address and user agent."""

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.ipv6 import clean_ipv6_address

USER_AGENT_MAX = 300


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or with ``TRUSTED_PROXY_COUNT = n`` (settings) the
    n-th address from the right of ``X-Forwarded-For`` (each trusted proxy appends one), so a
    client cannot choose its own address by sending the header itself. In canonical form (see
    ``ip_canonical``), ``None`` when there is none or it is not an IP address."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return ip_canonical(hops[-proxies])
    return ip_canonical(request.META.get("REMOTE_ADDR"))


def ip_canonical(address: str | None) -> str | None:
    """``address`` written as the database gives it back: IPv4 dotted, IPv6 lower case and compressed with an
    IPv4-mapped tail dotted (RFC 5952; Django's ``clean_ipv6_address``, which ``GenericIPAddressField`` applies
    when it stores one). A session compares the address it stored with the request's, and ``2001:DB8::1`` is
    ``2001:db8::1``: unnormalised, the same client would count as another. ``None`` for no address or
    anything that is not one."""
    if not address:
        return None
    if ":" in address:
        try:
            return clean_ipv6_address(address)
        except ValidationError:
            return None
    try:
        return str(ipaddress.IPv4Address(address))
    except ValueError:
        return None


def client_user_agent(request: HttpRequest) -> str:
    """The ``User-Agent`` header, cut to what we store."""
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]
