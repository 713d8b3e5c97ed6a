"""The candidate API's rate limit: DRF's scoped throttle, per candidate, counted rather than logged.

Keyed on the invitation the request names, as DRF keys an authenticated user's requests on the user:
each candidate has the whole ``candidate`` rate, and a hall of candidates sitting the test behind one
address (NAT) is not one client that a busy minute of autosaves would lock out. A request that names no
invitation is keyed on the client's address. DRF's ``SimpleRateThrottle`` keeps a list of every request
time of the last period per key and reads, trims and rewrites it on each request; a counter per window
(``config.cache.cache_count``) enforces the same ``rate``, and each process takes counts from it a
``LEASE_SHARE``-th of the rate at a time (``config.cache.cache_allow``): 10 of 600/min, so a candidate
autosaving every few seconds costs one Redis round trip per ten requests a process serves, not one per
request. The limit loosens by what the processes took and did not use (at most ``lease - 1`` each per
window), and a client can burst up to twice the rate across a window edge: both harmless for a limit
meant to stop runaway clients, not to meter fair use. Rates under ``2 × LEASE_SHARE`` a period are
counted exactly.
"""

from rest_framework.throttling import ScopedRateThrottle

from candidates.api.authentication import invitation_key
from config.cache import cache_allow

LEASE_SHARE = 60


class CountingScopedRateThrottle(ScopedRateThrottle):
    """``ScopedRateThrottle`` (same scopes, rates and cache keys) with a counter per window. Takes DRF's
    request or Django's; a request it allowed is not counted again when asked a second time."""

    def allow_request(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        # Counted once however often it is asked: the autosave's quick door asks before the DRF view does.
        django_request = getattr(request, "_request", request)
        if getattr(django_request, "_assay_throttle_allowed", None) == self.key:
            return True
        allowed, self.remaining = cache_allow(self.key, limit=self.num_requests, timeout=self.duration,
                                              lease=max(1, self.num_requests // LEASE_SHARE))
        if allowed:
            django_request._assay_throttle_allowed = self.key
        return allowed

    def get_cache_key(self, request, view) -> str:
        """The scope and the invitation the request names (``authentication.invitation_key``: its token's
        hash, or the invitation id of the pages' cookie), else the client's address (DRF's ``get_ident``,
        ``NUM_PROXIES`` applied). Read without ``request.user``, which would authenticate the request
        before a view that defers authentication (autosave) wants it; a name that does not authenticate
        is refused by authentication whatever its count."""
        key = invitation_key(request)
        ident = self.get_ident(request) if key is None else f"{key[0]}-{key[1]}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def wait(self) -> float:
        """Seconds until the window closes (DRF's ``Retry-After``)."""
        return self.remaining
