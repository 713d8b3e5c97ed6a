"""What every benchmark script shares: the production settings it runs under and a database ready for it.

Each script has its own PostgreSQL database and Redis databases, so one never disturbs another's data.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
# One key for every process of a run (web, worker, beat, data preparation), as a deployment has.
SECRET_KEY = secrets.token_urlsafe(50)


def production_env(*, database: str, redis_db: int, var_dir: str, site_url: str = "http://127.0.0.1:8050",
                   **extra: str) -> dict:
    """``os.environ`` plus production settings against ``database`` (on localhost's PostgreSQL), Redis
    databases ``redis_db`` (broker) and ``redis_db + 1`` (cache), ``var/<var_dir>``; the candidate rate
    limit out of the way (a load generator is one address), emails dropped. ``extra`` adds or overrides."""
    return {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}", "CACHE_URL": f"redis://127.0.0.1:6379/{redis_db + 1}",
        "SECRET_KEY": SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "SECURE_SSL_REDIRECT": "false",
        "SITE_URL": site_url, "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "THROTTLE_CANDIDATE": "1000000/min", "LOG_LEVEL": "WARNING", "ASSAY_VAR_DIR": str(ROOT / "var" / var_dir),
        **extra,
    }


def database_ready(env: dict, *, fresh: bool = True) -> None:
    """Create ``env``'s database (dropped first when ``fresh``), migrate it and load the Flask bank."""
    name = env["DATABASE_URL"].rsplit("/", 1)[1]
    if fresh:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    for args in (["manage.py", "migrate", "--noinput"], ["manage.py", "load_seed_bank"]):
        subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True)
