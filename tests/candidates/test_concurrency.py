"""Races on PostgreSQL: concurrent submits and starts, each in its own connection."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection, connections
from django.utils import timezone

from candidates.models import OutboxEmail, TestSession
from candidates.services import session_start, session_submit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (set DATABASE_URL)"),
]


def _race(n: int, fn):
    barrier = Barrier(n)

    def run(_):
        barrier.wait()
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_concurrent_submits_make_one_transition_one_score_one_report(issued):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())

    results = _race(20, lambda: session_submit(session=TestSession.objects.get(pk=session.pk), now=timezone.now()))

    assert {r.status for r in results} == {"submitted"}
    assert len({r.finished_at for r in results}) == 1
    assert OutboxEmail.objects.filter(dedup_key=f"report:session:{session.pk}").count() == 1


def test_concurrent_starts_make_one_session(issued):
    results = _race(20, lambda: session_start(invitation=issued.invitation, now=timezone.now()))

    assert TestSession.objects.count() == 1
    assert len({session.pk for session, _ in results}) == 1
    assert sum(created for _, created in results) == 1
