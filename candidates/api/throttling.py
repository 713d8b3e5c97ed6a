"""The candidate API's rate limit: DRF's scoped throttle, counted rather than logged.

DRF's ``SimpleRateThrottle`` keeps a list of every request time of the last period per key and
reads, trims and rewrites it on each request. Keyed on the client address, a hall of candidates
behind one address makes that list thousands of entries long, pickled twice per autosave. A
counter per window (``config.cache.cache_count``: one Redis round trip) enforces the same
``rate`` with the same keys; a client can burst up to twice the rate across a window edge, which
is harmless for a limit meant to stop runaway clients, not to meter fair use.
"""

from rest_framework.throttling import ScopedRateThrottle

from config.cache import cache_count


class CountingScopedRateThrottle(ScopedRateThrottle):
    """``ScopedRateThrottle`` (same scopes, rates and cache keys) with a counter per window."""

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
        count, self.remaining = cache_count(self.key, self.duration)
        return count <= self.num_requests

    def get_cache_key(self, request, view) -> str:
        """DRF's key for a client that is not a user (a candidate never is: its principal is
        ``AnonymousUser``): the scope and the client's address. Read without ``request.user``, which
        would authenticate the request before a view that defers authentication (autosave) wants it."""
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def wait(self) -> float:
        """Seconds until the window closes (DRF's ``Retry-After``)."""
        return self.remaining
