"""``manage.py run_platform`` (what ``./scripts/run`` executes) on the embedded defaults: it comes up, and a
stop by signal takes its Celery worker down with it instead of leaving it running."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is gone for our purpose.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_run_platform_stopped_by_sigterm_stops_its_worker(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env["ASSAY_VAR_DIR"] = str(tmp_path)
    log = tmp_path / "run.log"
    with log.open("w") as out:
        platform = subprocess.Popen([sys.executable, "manage.py", "run_platform", f"127.0.0.1:{_free_port()}"],
                                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)  # its own process group, for the cleanup below
    try:
        assert _wait_for(lambda: "Starting development server" in log.read_text(), 120), log.read_text()[-2000:]
        worker = int(log.read_text().split("Celery worker and beat started (pid ", 1)[1].split(")", 1)[0])
        assert _alive(worker)

        platform.send_signal(signal.SIGTERM)

        platform.wait(timeout=30)
        assert _wait_for(lambda: not _alive(worker), 30), "the Celery worker outlived run_platform"
    finally:
        # Whatever happened, leave nothing running: the command, its worker and the worker's children.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(platform.pid, signal.SIGKILL)
        platform.wait(timeout=10)
