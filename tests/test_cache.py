"""The cache's window counter (the candidate throttle's) on whichever cache the settings give."""

import time

import pytest
from django.core.cache import caches

from config.cache import RedisCache, cache_count


def test_cache_count_counts_within_a_window_opened_by_the_first_event():
    counts = [cache_count("test:window", 1) for _ in range(3)]
    time.sleep(1.2)
    after = cache_count("test:window", 1)

    assert [count for count, _ in counts] == [1, 2, 3]
    assert all(0 <= left <= 1 for _, left in counts)
    assert after[0] == 1  # the window closed: counting starts again


def test_cache_count_on_redis_leaves_the_key_expiring():
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.skip("no REDIS_URL: the embedded default counts in process memory (covered above)")
    cache_count("test:expiring", 30)
    key = backend.make_and_validate_key("test:expiring")

    assert 0 < backend._cache.get_client(key).ttl(key) <= 30
