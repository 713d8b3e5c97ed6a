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


def test_concurrent_first_saves_of_one_question_keep_the_highest_seq(issued):
    from candidates.errors import StaleResponse
    from candidates.models import Response
    from candidates.services import response_save

    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    item = session.session_questions.order_by("position").first()
    seqs = iter(range(1, 21))

    def save():
        seq = next(seqs)
        try:
            return response_save(session=session, question_id=item.question_id, selected=[item.choice_order[seq % 2]],
                                 seq=seq, now=timezone.now()).seq
        except StaleResponse:
            return None

    results = _race(20, save)

    # No caller hit the unique constraint (an IntegrityError would have raised), one row survives, and
    # it holds the highest seq whatever order the saves ran in.
    stored = Response.objects.get(session=session, question_id=item.question_id)
    assert stored.seq == 20
    assert stored.selected == [item.choice_order[0]]
    assert 20 in results


def test_a_save_waiting_on_a_submit_in_flight_is_refused_and_stores_nothing(issued):
    import threading
    import time

    from django.db import transaction

    from candidates.enums import SessionStatus
    from candidates.errors import SessionClosed
    from candidates.models import Response
    from candidates.services import response_save

    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    item = session.session_questions.order_by("position").first()
    locked, release, outcome = threading.Event(), threading.Event(), {}

    def submit_in_flight():
        # What session_finish does first: lock the row and change its status, then (here) hold the
        # transaction open while the save arrives.
        try:
            with transaction.atomic():
                TestSession.objects.select_for_update().filter(pk=session.pk).update(status=SessionStatus.SUBMITTED)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    def save():
        try:
            response_save(session=session, question_id=item.question_id, selected=[item.choice_order[0]], seq=1,
                          now=timezone.now())
            outcome["saved"] = True
        except SessionClosed:
            outcome["refused"] = True
        finally:
            connections.close_all()

    submitter = threading.Thread(target=submit_in_flight)
    submitter.start()
    assert locked.wait(10)
    saver = threading.Thread(target=save)
    saver.start()
    time.sleep(0.5)
    assert saver.is_alive(), "the save did not wait for the submit's lock on the session row"
    release.set()
    submitter.join(10)
    saver.join(10)

    # The save read the session as in progress (its caller's copy), waited on the row lock, then saw
    # the committed status and wrote nothing.
    assert outcome == {"refused": True}
    assert not Response.objects.filter(session=session).exists()
