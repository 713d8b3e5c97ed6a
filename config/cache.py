"""Django's Redis cache, with one client object per connection pool instead of one per call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call, and
redis-py's constructor fills a table of about 170 response callbacks each time: a third of a
millisecond per call on this project's 2-core machine, twice per candidate request (the rate
throttle reads and writes). A ``redis.Redis`` is safe to share between threads (each command takes
a connection from the pool), so keeping one per pool changes nothing else. ``get_client`` is the
extension point Django documents for custom clients.

Also the window counters the candidate rate limit counts with (``cache_count``), and leases on them
(``cache_allow``) that let a process allow most requests without a round trip.
"""

import threading
import time
from dataclasses import dataclass

from cachetools import LRUCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with ``ReusedRedisCacheClient``; same options."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient


def cache_count(key: str, timeout: int, amount: int = 1) -> tuple[int, float]:
    """Count ``amount`` more events under ``key`` in a window of ``timeout`` seconds that opens at the key's
    first event: ``(count so far in the window, seconds until it closes)``.

    On Redis one round trip (``INCRBY``, ``EXPIRE … NX``, ``PTTL`` pipelined: the INCR-and-expire
    counter of the Redis documentation); on other caches ``add`` then ``incr``, with the whole
    ``timeout`` as the time left when the window was already open.
    """
    from django.core.cache import caches

    cache = caches["default"]  # the backend itself: ``django.core.cache.cache`` is a proxy to it
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        pipe = cache._cache.get_client(full_key, write=True).pipeline(transaction=False)
        pipe.incrby(full_key, amount)
        pipe.expire(full_key, timeout, nx=True)
        pipe.pttl(full_key)
        count, _, pttl = pipe.execute()
        return count, max(pttl, 0) / 1000
    if cache.add(key, amount, timeout):
        return amount, float(timeout)
    try:
        return cache.incr(key, amount), float(timeout)
    except ValueError:  # expired between add and incr: these events open a new window
        cache.set(key, amount, timeout)
        return amount, float(timeout)


@dataclass
class _Lease:
    left: int  # events this process may still allow without asking the cache
    closes: float  # ``time.monotonic()`` when the window the counts came from closes
    full: bool  # the window reached its limit: once ``left`` is spent, refuse until it closes


_LEASES: LRUCache = LRUCache(maxsize=20_000)
_LEASES_LOCK = threading.Lock()


def cache_allow(key: str, *, limit: int, timeout: int, lease: int = 1) -> tuple[bool, float]:
    """Whether one more event under ``key`` stays within ``limit`` events per window of ``timeout`` seconds
    (``cache_count``'s window): ``(allowed, seconds until the window closes)``.

    With ``lease`` above 1 the process takes counts from the shared counter ``lease`` at a time and allows
    that many events before asking the cache again, so most events cost no round trip; a window found full
    is refused in the process until it closes, so a client past its limit costs none either. The limit
    stays shared but loosens: counts a process took and did not use are lost to the window, so a key
    spread over ``P`` processes reaches its limit after between ``limit - P·(lease - 1)`` and ``limit``
    events. With ``lease`` 1 every allowed event is counted in the cache, as by ``cache_count``. On caches
    other than Redis the time left in a window is not known, so leases and refusals last the whole ``timeout``
    from when they were taken (a refused client may wait up to twice the window there).
    """
    now = time.monotonic()
    with _LEASES_LOCK:
        held = _LEASES.get(key)
        if held is not None and held.closes > now and (held.left or held.full):
            if not held.left:
                return False, held.closes - now
            held.left -= 1
            return True, held.closes - now
    count, seconds_left = cache_count(key, timeout, lease)
    # This lease holds counts ``count - lease + 1`` … ``count``; those past the limit allow nothing.
    granted = max(0, min(lease, limit - (count - lease)))
    if lease > 1 or granted < lease:
        with _LEASES_LOCK:
            _LEASES[key] = _Lease(max(granted - 1, 0), now + seconds_left, granted < lease)
    return granted > 0, seconds_left


def cache_leases_forget() -> None:
    """Drop this process's leases (tests: the cache they were taken from was cleared)."""
    with _LEASES_LOCK:
        _LEASES.clear()
