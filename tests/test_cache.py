"""The cache's window counter and its leases (the candidate throttle's) on whichever cache the settings give."""

import time
from functools import partial

import pytest
from django.core.cache import caches

from config.cache import RedisCache, cache_allow, cache_count, cache_leases_forget


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


def shared_count(key: str) -> int:
    """The counter as every process sees it (counting zero more events reads it)."""
    return cache_count(key, 60, 0)[0]


def test_cache_allow_takes_counts_a_lease_at_a_time():
    first = cache_allow("test:lease", limit=600, timeout=60, lease=10)
    after_one = shared_count("test:lease")
    rest = [cache_allow("test:lease", limit=600, timeout=60, lease=10)[0] for _ in range(9)]
    after_ten = shared_count("test:lease")
    cache_allow("test:lease", limit=600, timeout=60, lease=10)

    assert first[0] is True
    assert 0 < first[1] <= 60
    assert rest == [True] * 9
    assert (after_one, after_ten, shared_count("test:lease")) == (10, 10, 20)


def test_cache_allow_keeps_the_limit_shared_between_processes():
    allow = partial(cache_allow, "test:shared", limit=30, timeout=60, lease=10)
    in_one = [allow()[0] for _ in range(5)]
    cache_leases_forget()  # another process: the 5 counts the first took and did not use are lost to the window
    in_another = [allow()[0] for _ in range(22)]
    counted = shared_count("test:shared")
    refused_again = allow()

    assert in_one == [True] * 5
    assert in_another == [True] * 20 + [False] * 2   # 30 - (10 - 5)
    assert refused_again[0] is False
    assert 0 < refused_again[1] <= 60
    assert shared_count("test:shared") == counted == 40  # refusals after the first ask the cache nothing


def test_cache_allow_grants_no_more_than_the_limit_when_leases_do_not_divide_it():
    allowed = [cache_allow("test:uneven", limit=25, timeout=60, lease=10)[0] for _ in range(27)]

    assert allowed == [True] * 25 + [False] * 2


def test_cache_allow_with_leases_of_one_counts_every_event():
    allowed = [cache_allow("test:exact", limit=3, timeout=60)[0] for _ in range(4)]

    assert allowed == [True] * 3 + [False]
    assert shared_count("test:exact") == 4


def test_cache_allow_spends_no_lease_in_a_window_that_has_closed():
    allow = partial(cache_allow, "test:closing", limit=600, timeout=1, lease=10)
    [allow() for _ in range(3)]
    time.sleep(1.2)
    allow()

    assert cache_count("test:closing", 1, 0)[0] == 10  # a new window, a new lease: not the old one's 7
