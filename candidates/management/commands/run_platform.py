import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Set up and run the whole platform: migrate, load the seed bank, create the demo, then run a "
        "Celery worker with an embedded beat and the web server."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the Celery worker/beat.")

    def handle(self, *args, addrport: str, no_worker: bool, **options):
        for folder in (settings.VAR_DIR, settings.EMAIL_FILE_PATH, settings.BROKER_DIR / "queue",
                       settings.BROKER_DIR / "control"):
            folder.mkdir(parents=True, exist_ok=True)
        if "SITE_URL" not in os.environ:
            # Links in emails must point at the address this server really listens on.
            host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
            settings.SITE_URL = os.environ["SITE_URL"] = f"http://{host}"
        call_command("migrate", interactive=False, verbosity=1)
        call_command("load_seed_bank")
        call_command("demo_setup")
        worker = None
        if not no_worker:
            worker = subprocess.Popen([  # noqa: S603 - fixed argv of our own interpreter
                sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--loglevel", "INFO",
                "--concurrency", "2", "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ])
            self.stdout.write(f"Celery worker and beat started (pid {worker.pid}).")
        # A stop by signal (timeout, a service manager, a closed terminal) must also stop the worker: Python's
        # default SIGTERM/SIGHUP handling ends the process without running the ``finally`` below.
        for stop in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop, lambda signum, frame: sys.exit(128 + signum))
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=20)
