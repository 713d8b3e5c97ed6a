"""In-process cost of ``statistics_recompute`` over N finished sessions × 25 answered questions.

    .venv/bin/python bench/item_statistics.py [--n 5000] [--repeat 3] [--fresh] [--profile]

Production settings against its own PostgreSQL database (``assay_statsbench`` on localhost, Redis
databases 6 and 7, ``var/statsbench``; any of the variables below already in the environment wins). The database is
created, migrated, given the seed bank and filled by ``bench/prepare.py finished N`` the first time,
or whenever it does not hold exactly N finished sessions (``--fresh``: always). Each question's
answer is a random choice, so some are right. Prints the seconds of each recompute and the best.
"""

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/assay_statsbench",
    "REDIS_URL": "redis://127.0.0.1:6379/6", "CACHE_URL": "redis://127.0.0.1:6379/7",
    "SECRET_KEY": "x-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz", "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false", "SITE_URL": "http://127.0.0.1:8050",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "LOG_LEVEL": "WARNING",
    "ASSAY_VAR_DIR": str(ROOT / "var" / "statsbench"),
}


def run(*args: str) -> None:
    subprocess.run([sys.executable, *args], cwd=ROOT, env=os.environ, check=True, capture_output=True)


def database_ensure(url: str, fresh: bool) -> None:
    """Create the benchmark database if it is missing (drop it first with ``fresh``)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000, help="finished sessions")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="recreate the database")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one more recompute")
    args = parser.parse_args()
    for key, value in ENV.items():
        os.environ.setdefault(key, value)
    Path(os.environ["ASSAY_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    database_ensure(os.environ["DATABASE_URL"], args.fresh)
    run("manage.py", "migrate", "--noinput")
    run("manage.py", "load_seed_bank")

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils import timezone

    from candidates.enums import SessionStatus
    from candidates.item_statistics import statistics_recompute
    from candidates.models import Response, TestSession

    if TestSession.objects.exclude(status=SessionStatus.IN_PROGRESS).count() != args.n:
        run("bench/prepare.py", "reset")
        run("bench/prepare.py", "finished", str(args.n))
    responses = Response.objects.exclude(session__status=SessionStatus.IN_PROGRESS).count()

    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = statistics_recompute(now=timezone.now())
        timings.append(time.perf_counter() - started)
    print(f"statistics_recompute: {args.n} sessions, {responses} responses, {result['items']} items, "
          f"{result['versions']} versions")
    print("seconds:", " ".join(f"{t:.2f}" for t in timings), f"(best {min(timings):.2f})")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(statistics_recompute, now=timezone.now())
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
