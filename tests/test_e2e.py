"""The whole journey on real parts: HTTP server, PostgreSQL, Redis, a Celery worker and beat, SMTP.

Publishes a 10-second test over the API, invites a candidate (the worker draws their form ahead), starts
and saves answers over HTTP, then lets the deadline pass without submitting: beat's sweeper (or the
deadline task) must time the session out at its deadline, score exactly the saved answers, and email the
recruiter's report once.
"""

import email
import os
import socket
import subprocess
import sys
import time
from email import policy

import pytest
import requests
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token

from candidates.models import TestSession
from config.celery_app import app as celery_app
from tests.factories import TopicFactory, question_make, recruiter_create

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)",
    ),
]


class Sink:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture
def eager_off():
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    yield
    celery_app.control.purge()
    celery_app.conf.task_always_eager = True


@pytest.fixture
def celery_processes(live_server, smtp_sink, eager_off, tmp_path):
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink[1]}",
        "SITE_URL": live_server.url,
        "ASSAY_SWEEP_INTERVAL": "1",
        "ASSAY_VAR_DIR": str(tmp_path),
        "DEBUG": "false",
        "CONN_MAX_AGE": "0",
    }
    base = [sys.executable, "-m", "celery", "-A", "config"]
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("worker", "beat")}  # noqa: SIM115
    procs = [
        subprocess.Popen([*base, "worker", "--pool", "solo", "--loglevel", "INFO"], env=env,
                         cwd=settings.BASE_DIR, stdout=logs["worker"], stderr=subprocess.STDOUT),
        subprocess.Popen([*base, "beat", "--loglevel", "INFO", "--schedule", str(tmp_path / "beat")], env=env,
                         cwd=settings.BASE_DIR, stdout=logs["beat"], stderr=subprocess.STDOUT),
    ]
    yield tmp_path
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    for log in logs.values():
        log.close()


def _wait_for(predicate, timeout: float, what: str, logs_dir):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.25)
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(logs_dir.glob("*.log")))
    pytest.fail(f"timed out waiting for {what}\n{logs}")


def test_e2e_timed_out_session_is_scored_and_reported_once(live_server, smtp_sink, celery_processes):
    sink, _ = smtp_sink
    topic = TopicFactory(slug="routing")
    for n in range(4):
        question_make(topic, n=n)
    recruiter = recruiter_create()
    api = requests.Session()
    api.headers["Authorization"] = f"Token {Token.objects.create(user=recruiter).key}"
    url = live_server.url

    template = api.post(f"{url}/api/test-templates/", json={
        "title": "Ten seconds of Flask", "time_limit": 10, "grace_period": 2, "pass_mark": "50",
        "sections": [{"title": "All", "draw_rules": [{"topic": "routing", "count": 4}]}],
    })
    assert template.status_code == 201, template.text
    version = api.post(f"{url}/api/test-templates/{template.json()['id']}/publish/")
    assert version.status_code == 201, version.text
    invitation = api.post(f"{url}/api/invitations/", json={
        "published_version": version.json()["id"], "name": "Grace Hopper", "email": "grace@example.com",
    })
    assert invitation.status_code == 201, invitation.text
    _wait_for(lambda: any(m["To"] == "grace@example.com" for m in sink.messages), 30, "the invitation email",
              celery_processes)
    invitation_mail = next(m for m in sink.messages if m["To"] == "grace@example.com")
    assert invitation.json()["link"] in invitation_mail.get_body(("plain",)).get_content()

    # The worker draws the invitation's form ahead; the start then copies it.
    from candidates.models import PreparedForm, PreparedItem, SessionQuestion

    _wait_for(lambda: PreparedForm.objects.exists(), 30, "the form drawn ahead", celery_processes)
    prepared = list(PreparedItem.objects.order_by("position").values_list("question_id", "choice_order"))

    candidate = requests.Session()
    token = invitation.json()["link"].rstrip("/").rsplit("/", 1)[1]
    candidate.headers["Authorization"] = f"Invitation {token}"
    started = candidate.post(f"{url}/api/candidate/session/start/")
    assert started.status_code == 201, started.text
    assert list(SessionQuestion.objects.order_by("position").values_list("question_id", "choice_order")) == prepared
    from questionbank.models import Choice

    keys = dict(Choice.objects.filter(is_key=True).values_list("question_id", "pk"))
    questions = started.json()["questions"]
    answers = [
        (questions[0]["id"], keys[questions[0]["id"]]),                                      # right
        (questions[1]["id"], keys[questions[1]["id"]]),                                      # right
        (questions[2]["id"], next(c["id"] for c in questions[2]["choices"] if c["id"] != keys[questions[2]["id"]])),
    ]
    for question_id, choice_id in answers:
        saved = candidate.put(f"{url}/api/candidate/session/responses/{question_id}/",
                              json={"selected": [choice_id], "seq": 1})
        assert saved.status_code == 200, saved.text

    session = TestSession.objects.get()
    _wait_for(lambda: TestSession.objects.get().status == "timed_out", 40, "the session to time out", celery_processes)
    _wait_for(lambda: any(m["To"] == recruiter.email for m in sink.messages), 30, "the report email",
              celery_processes)
    time.sleep(3)  # several more sweeps and any duplicate delivery would show up now

    session.refresh_from_db()
    assert session.finished_at == session.deadline
    assert (session.raw_score, session.max_score, session.passed) == (2, 4, True)
    reports = [m for m in sink.messages if m["To"] == recruiter.email]
    assert len(reports) == 1
    text = reports[0].get_body(("plain",)).get_content()
    assert "Grace Hopper" in text
    assert "2.00 / 4.00 points (50.00%)" in text
    assert f"{url}/results/{session.pk}/" in text
    assert reports[0].get_body(("html",)) is not None
