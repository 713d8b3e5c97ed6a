"""Guarantees 10 and 15 with real faults: a worker killed with SIGKILL mid-report, PostgreSQL restarted
mid-run. Marked ``faults``: ``scripts/test`` runs them in a separate pytest run, after the main suite."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from candidates.enums import EmailStatus
from candidates.models import OutboxEmail, Response
from candidates.services import session_start, session_submit
from config.celery_app import app as celery_app
from tests.smtp import free_port

pytestmark = [
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
                       reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)"),
]


class HoldingSmtp:
    """Holds the first DATA open (the sender is mid-send) until released, then refuses it; accepts later ones."""

    def __init__(self):
        self.first_data = threading.Event()
        self.release = None
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        if not self.first_data.is_set():
            self.release = asyncio.Event()
            self.first_data.set()
            await self.release.wait()
            return "451 sender went away"
        self.accepted.append(envelope.content)
        return "250 OK"


def _worker_env(tmp_path, smtp_port):
    db = connection.settings_dict
    return {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "false",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "ASSAY_VAR_DIR": str(tmp_path), "CONN_MAX_AGE": "0", "ASSAY_SWEEP_INTERVAL": "1",
        "ASSAY_OUTBOX_INTERVAL": "1", "OUTBOX_RESEND_AFTER": "1", "OUTBOX_STALE_CLAIM": "2",
    }


def _spawn(args, env, log: Path):
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", *args], env=env, cwd=settings.BASE_DIR,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def _wait(predicate, timeout, what, logs: list[Path]):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}\n" + "\n".join(p.read_text()[-2500:] for p in logs if p.exists()))


def test_fault_worker_killed_mid_report_the_report_is_still_sent_once(issued, tmp_path):
    sink = HoldingSmtp()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = _worker_env(tmp_path, controller.port)
    logs = [tmp_path / "worker1.log", tmp_path / "worker2.log", tmp_path / "beat.log"]
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    first = _spawn(["worker", "--pool", "solo", "-Q", "celery,outbound"], env, logs[0])
    procs = [first]
    try:
        session, _ = session_start(invitation=issued.invitation, now=timezone.now())
        OutboxEmail.objects.update(status=EmailStatus.SENT)           # the invitation email is not the subject
        session_submit(session=session, now=timezone.now())           # publishes the report after commit
        report = OutboxEmail.objects.get(dedup_key__startswith="report:")
        _wait(sink.first_data.is_set, 30, "the worker to be mid-send", logs)

        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        controller.loop.call_soon_threadsafe(sink.release.set)
        report.refresh_from_db()
        assert report.status == EmailStatus.SENDING                  # claimed by the dead worker

        procs += [_spawn(["worker", "--pool", "solo"], env, logs[1]),
                  _spawn(["beat", "--schedule", str(tmp_path / "beat")], env, logs[2])]
        _wait(lambda: OutboxEmail.objects.get(pk=report.pk).status == EmailStatus.SENT, 60,
              "the stale claim to be taken over and sent", logs)
        time.sleep(3)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=20)
        celery_app.control.purge()
        celery_app.conf.task_always_eager = True
        controller.stop()

    assert len(sink.accepted) == 1
    assert OutboxEmail.objects.get(pk=report.pk).attempts == 2


@pytest.mark.skipif(not shutil.which("pg_ctlcluster") or os.geteuid() != 0, reason="needs pg_ctlcluster as root")
def test_fault_postgres_restart_mid_run_loses_no_acknowledged_save(live_server, issued):
    session = requests.Session()
    session.headers["Authorization"] = f"Invitation {issued.token}"
    questions = session.post(f"{live_server.url}/api/candidate/session/start/").json()["questions"]
    acknowledged: dict[int, tuple[int, list[int]]] = {}
    errors: list[int] = []
    stop = threading.Event()

    def saver():
        seq = 0
        with requests.Session() as http:
            http.headers["Authorization"] = f"Invitation {issued.token}"
            while not stop.is_set():
                seq += 1
                q = questions[seq % len(questions)]
                selected = [q["choices"][seq % 2]["id"]]
                try:
                    reply = http.put(f"{live_server.url}/api/candidate/session/responses/{q['id']}/",
                                     json={"selected": selected, "seq": seq}, timeout=10)
                except requests.RequestException:
                    errors.append(-1)
                    continue
                if reply.status_code == 200:
                    acknowledged[q["id"]] = (seq, selected)
                else:
                    errors.append(reply.status_code)

    thread = threading.Thread(target=saver)
    thread.start()
    time.sleep(1.5)
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True, timeout=120)
    time.sleep(2)
    before = len(acknowledged)
    time.sleep(1.5)
    stop.set()
    thread.join(timeout=30)
    connections.close_all()                  # the test's own connection died with the server

    stored = {r.question_id: (r.seq, r.selected) for r in Response.objects.all()}
    assert acknowledged, "no save was acknowledged at all"
    for question_id, (seq, selected) in acknowledged.items():
        stored_seq, stored_selected = stored[question_id]
        assert stored_seq >= seq
        if stored_seq == seq:
            assert stored_selected == selected
    assert before > 0
    assert all(code in (-1, 500, 503) for code in errors)   # failures only while the server was down
