"""Django's Redis cache, with one client object per connection pool instead of one per call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call, and
redis-py's constructor fills a table of about 170 response callbacks each time: a third of a
millisecond per call on this project's 2-core machine, twice per candidate request (the rate
throttle reads and writes). A ``redis.Redis`` is safe to share between threads (each command takes
a connection from the pool), so keeping one per pool changes nothing else. ``get_client`` is the
extension point Django documents for custom clients.
"""

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
