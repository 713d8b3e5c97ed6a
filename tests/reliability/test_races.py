"""Guarantees 4, 6, 7, 8, 10 and 12 on PostgreSQL: sweeps, tabs, submits, starts and tasks that race."""

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from candidates.enums import SessionStatus
from candidates.models import OutboxEmail, Response, SessionQuestion, TestSession
from candidates.services import session_start, sessions_sweep
from candidates.tasks import finish_session_at_deadline, send_outbox_email
from tests.factories import invite

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (set DATABASE_URL)"),
]


def race(*fns):
    """Run the callables at the same moment, each on its own connection; return their results."""
    barrier = Barrier(len(fns))

    def run(fn):
        barrier.wait()
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(fns)) as pool:
        return list(pool.map(run, fns))


def _clone_sessions(template: TestSession, n: int, *, closes_at, deadline, first: int = 1) -> list[int]:
    """``n`` copies of a started session (own invitation, same questions) via bulk inserts."""
    from candidates.models import Invitation

    invitation = template.invitation
    invitations = Invitation.objects.bulk_create([
        Invitation(organization_id=invitation.organization_id, published_version_id=invitation.published_version_id,
                   candidate_id=invitation.candidate_id, invited_by_id=invitation.invited_by_id,
                   token_hash=f"{i:064x}", status="started", expires_at=invitation.expires_at)
        for i in range(first, first + n)
    ])
    sessions = TestSession.objects.bulk_create([
        TestSession(organization_id=template.organization_id, invitation=inv, seed=1,
                    published_version_id=template.published_version_id, started_at=deadline - timedelta(minutes=10),
                    deadline=deadline, closes_at=closes_at)
        for inv in invitations
    ])
    questions = list(template.session_questions.all())
    SessionQuestion.objects.bulk_create([
        SessionQuestion(session=s, question_id=q.question_id, position=q.position, points=q.points,
                        choice_order=q.choice_order)
        for s in sessions for q in questions
    ])
    return [s.pk for s in sessions]


def test_sweep_thousand_expired_two_concurrent_sweeps_one_transition_each(issued, monkeypatch, caplog, settings):
    now = timezone.now()
    template, _ = session_start(invitation=issued.invitation, now=now)
    expired = _clone_sessions(template, 1000, deadline=now - timedelta(seconds=60),
                              closes_at=now - timedelta(seconds=30))
    live = _clone_sessions(template, 10, deadline=now + timedelta(minutes=5), closes_at=now + timedelta(minutes=6),
                           first=5000)
    broken = expired[500]
    import candidates.finishing as finishing
    import candidates.services as services

    real_score, real_batch_score = services.session_score, finishing.sessions_score

    def score(*, session):
        if session.pk == broken:
            raise RuntimeError("corrupt session")
        return real_score(session=session)

    def batch_score(sessions):
        if any(s.pk == broken for s in sessions):
            raise RuntimeError("corrupt session")
        return real_batch_score(sessions)

    monkeypatch.setattr(services, "session_score", score)
    monkeypatch.setattr(finishing, "sessions_score", batch_score)
    settings.REPORT_PDF_ATTACHED = False            # 999 PDFs are not the subject and would take minutes

    with caplog.at_level(logging.ERROR, logger="candidates.services"):
        finished = race(lambda: sessions_sweep(now=now), lambda: sessions_sweep(now=now))

    assert sum(finished) == 999
    done = TestSession.objects.filter(pk__in=expired, status=SessionStatus.TIMED_OUT)
    assert done.count() == 999
    assert done.filter(scored_at__isnull=False).count() == 999
    assert all(s.finished_at == s.deadline for s in done.only("finished_at", "deadline"))
    assert OutboxEmail.objects.filter(dedup_key__startswith="report:").count() == 999
    assert TestSession.objects.get(pk=broken).status == SessionStatus.IN_PROGRESS
    assert TestSession.objects.filter(pk__in=live, status=SessionStatus.IN_PROGRESS).count() == 10
    assert f"finishing session {broken} failed" in caplog.text


def test_two_tabs_interleaving_saves_and_a_submit(issued):
    tab_a, tab_b = APIClient(), APIClient()
    for tab in (tab_a, tab_b):
        tab.credentials(HTTP_AUTHORIZATION=f"Invitation {issued.token}")
    questions = tab_a.post("/api/candidate/session/start/").json()["questions"]

    def saves(tab, offset):
        codes = []
        for i in range(50):
            q = questions[(i + offset) % len(questions)]
            codes.append(tab.put(f"/api/candidate/session/responses/{q['id']}/",
                                 {"selected": [q["choices"][i % 2]["id"]], "seq": 1000 + i}, format="json")
                         .status_code)
            if offset == 0 and i == 25:
                codes.append(tab.post("/api/candidate/session/submit/").status_code)
        return codes

    codes_a, codes_b = race(lambda: saves(tab_a, 0), lambda: saves(tab_b, 3))

    session = TestSession.objects.get()
    assert session.status == SessionStatus.SUBMITTED
    assert not any(code >= 500 for code in codes_a + codes_b)
    assert set(codes_a + codes_b) <= {200, 401, 409}
    assert not Response.objects.filter(session=session, saved_at__gt=session.finished_at).exists()
    assert OutboxEmail.objects.filter(dedup_key__startswith="report:").count() == 1


def test_twenty_concurrent_submits_over_http(issued):
    clients = [APIClient() for _ in range(20)]
    for client in clients:
        client.credentials(HTTP_AUTHORIZATION=f"Invitation {issued.token}")
    clients[0].post("/api/candidate/session/start/")

    replies = race(*[lambda c=c: c.post("/api/candidate/session/submit/") for c in clients])

    ok = [r.json() for r in replies if r.status_code == 200]
    assert ok
    assert all(body == ok[0] | {"server_now": body["server_now"]} for body in ok)
    # A submit that arrives after the first has committed finds a finished invitation: the generic 401.
    assert {r.status_code for r in replies} <= {200, 401, 409}
    assert OutboxEmail.objects.filter(dedup_key__startswith="report:").count() == 1
    assert TestSession.objects.get().status == SessionStatus.SUBMITTED


def test_start_after_finish_is_refused(issued):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Invitation {issued.token}")
    client.post("/api/candidate/session/start/")
    client.post("/api/candidate/session/submit/")

    assert client.post("/api/candidate/session/start/").status_code == 401
    assert TestSession.objects.count() == 1


def test_task_redelivery_finish_and_report_run_twice_sequentially_and_concurrently(issued, settings, smtp):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    TestSession.objects.update(deadline=timezone.now() - timedelta(seconds=60),
                               closes_at=timezone.now() - timedelta(seconds=30))

    assert race(lambda: finish_session_at_deadline.apply(kwargs={"session_id": session.pk}).result,
                lambda: finish_session_at_deadline.apply(kwargs={"session_id": session.pk}).result).count(True) == 1
    assert finish_session_at_deadline.apply(kwargs={"session_id": session.pk}).result is False
    report = OutboxEmail.objects.get(dedup_key__startswith="report:")
    OutboxEmail.objects.filter(pk=report.pk).update(status="pending")   # as if the eager send had not run
    smtp.delivered.clear()

    results = race(lambda: send_outbox_email.apply(kwargs={"email_id": report.pk}).result,
                   lambda: send_outbox_email.apply(kwargs={"email_id": report.pk}).result)
    again = send_outbox_email.apply(kwargs={"email_id": report.pk}).result

    assert sorted(results) == ["sent", "skipped"]
    assert again == "skipped"
    assert len(smtp.delivered) == 1


def test_concurrent_starts_one_session_twenty_callers(version, recruiter):
    issued = invite(version, recruiter=recruiter, email="many@example.com")

    results = race(*[lambda: session_start(invitation=issued.invitation, now=timezone.now())] * 20)

    assert len({s.pk for s, _ in results}) == 1
    assert TestSession.objects.count() == 1


def test_a_start_racing_its_forms_preparation_gets_one_whole_form(version, recruiter):
    """The invitation's task and the candidate's Start at the same moment (both lock the invitation row): the
    session has a whole form, the prepared one or its own draw, never a mix. A start that waited for the task's
    lock reads with a snapshot taken before the form existed, so it draws its own (the form stays unused, and
    the hourly recount does not count it: its invitation has a session)."""
    from candidates.models import PreparedForm, PreparedItem
    from candidates.prepared_forms import form_prepare

    items = ("question_id", "position", "choice_order")
    for n in range(6):
        issued = invite(version, recruiter=recruiter, email=f"race{n}@example.com")
        PreparedForm.objects.filter(invitation=issued.invitation).delete()      # as if the task had not run yet

        invitation = issued.invitation
        prepared, (session, created) = race(
            lambda invitation=invitation: form_prepare(invitation_id=invitation.pk, now=timezone.now()),
            lambda invitation=invitation: session_start(invitation=invitation, now=timezone.now()),
        )

        assert created
        drawn = list(SessionQuestion.objects.filter(session=session).order_by("position").values_list(*items))
        assert [row[1] for row in drawn] == list(range(1, 7))
        form = PreparedForm.objects.filter(invitation=issued.invitation).first()
        assert prepared == (form is not None)
        if form is not None and form.seed == session.seed:                     # its form was taken
            assert drawn == list(PreparedItem.objects.filter(form=form).order_by("position").values_list(*items))
