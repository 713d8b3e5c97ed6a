"""In-process cost of the candidate's hot requests (start, autosave, the bare view), with a profile.

    .venv-bench/bin/python bench/profile_requests.py [--n 300] [--profile start|save|bare]

Runs the requests through Django's full handler (middleware, DRF, PostgreSQL, Redis) in one process,
with no HTTP server or load generator sharing the CPU: the milliseconds printed are the server's own
cost per request, the floor under any latency the Locust scenarios measure. Uses its own database
(``assay_prof``, recreated) and Redis databases 4 and 5.
"""

import argparse
import cProfile
import json
import os
import pstats
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/assay_prof", "REDIS_URL": "redis://127.0.0.1:6379/4",
    "CACHE_URL": "redis://127.0.0.1:6379/5", "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "testserver,127.0.0.1", "SECURE_SSL_REDIRECT": "false", "SITE_URL": "http://127.0.0.1:8050",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "THROTTLE_CANDIDATE": "1000000/min",
    "LOG_LEVEL": "WARNING", "ASSAY_VAR_DIR": str(ROOT / "var" / "prof"),
}


def prepare(n: int) -> list[str]:
    env = {**os.environ, **ENV}
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "assay_prof"], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "assay_prof"], check=True)
    for args in (["manage.py", "migrate", "--noinput"], ["manage.py", "load_seed_bank"]):
        subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True)
    tokens = ROOT / "var" / "prof-tokens.json"
    tokens.parent.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "bench/prepare.py", "invitations", str(n), str(tokens)], cwd=ROOT, env=env,
                   check=True)
    return json.loads(tokens.read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--profile", choices=["start", "save", "bare"], default=None)
    args = parser.parse_args()
    tokens = prepare(args.n)
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    clients = [Client(HTTP_AUTHORIZATION=f"Invitation {t}", REMOTE_ADDR="127.0.0.1") for t in tokens]
    profiler = cProfile.Profile()

    def timed(name, calls):
        if args.profile == name:
            profiler.enable()
        started = time.perf_counter()
        for call in calls:
            reply = call()
            assert reply.status_code < 300, (name, reply.status_code, reply.content[:300])
        ms = 1000 * (time.perf_counter() - started) / len(calls)
        if args.profile == name:
            profiler.disable()
        print(f"{name:6} {ms:7.2f} ms per request ({len(calls)} requests)")
        return ms

    bare = Client()
    timed("bare", [lambda: bare.get("/health/")] * args.n)
    questions = {}

    def start(i):
        def call():
            reply = clients[i].post("/api/candidate/session/start/")
            questions[i] = reply.json()["questions"]
            return reply
        return call

    timed("start", [start(i) for i in range(args.n)])
    seq = [0]

    def save(i):
        def call():
            seq[0] += 1
            q = questions[i][seq[0] % len(questions[i])]
            return clients[i].put(f"/api/candidate/session/responses/{q['id']}/",
                                  {"selected": [q["choices"][seq[0] % len(q["choices"])]["id"]], "seq": seq[0]},
                                  content_type="application/json")
        return call

    timed("save", [save(i % args.n) for i in range(3 * args.n)])
    if args.profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
