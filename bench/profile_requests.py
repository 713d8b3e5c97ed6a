"""In-process cost of the candidate's hot requests (start, autosave, the bare view), with a profile.

    .venv-bench/bin/python bench/profile_requests.py [--n 300] [--profile start|save|bare]

Runs the requests through Django's full handler (middleware, DRF, PostgreSQL, Redis) in one process,
with no HTTP server or load generator sharing the CPU: the milliseconds printed (wall clock, and CPU of this
process, which leaves out PostgreSQL's and Redis's own work) are the server's own cost per request, the floor
under any latency the Locust scenarios measure; the profile counts CPU time. Uses its own database
(``assay_prof``, recreated) and Redis databases 4 and 5.
"""

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time

from common import ROOT, database_ready, production_env

ENV = production_env(database="assay_prof", redis_db=4, var_dir="prof")


def prepare(n: int) -> list[str]:
    """A fresh ``assay_prof`` with the bank and ``n`` invitations to the bench test; their tokens."""
    database_ready(ENV)
    tokens = ROOT / "var" / "prof-tokens.json"
    tokens.parent.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "bench/prepare.py", "invitations", str(n), str(tokens)], cwd=ROOT, env=ENV,
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

    # One client, so one handler: each Client loads the middleware on its first request (WhiteNoise
    # then scans the static files, tens of milliseconds), which a server process does once.
    client = Client(REMOTE_ADDR="127.0.0.1")
    auth = [f"Invitation {t}" for t in tokens]
    profiler = cProfile.Profile(time.process_time)  # CPU, not time spent waiting for PostgreSQL

    def timed(name, calls):
        if args.profile == name:
            profiler.enable()
        started, cpu_started = time.perf_counter(), time.process_time()
        for call in calls:
            reply = call()
            assert reply.status_code < 300, (name, reply.status_code, reply.content[:300])
        ms = 1000 * (time.perf_counter() - started) / len(calls)
        cpu_ms = 1000 * (time.process_time() - cpu_started) / len(calls)
        if args.profile == name:
            profiler.disable()
        print(f"{name:10} {ms:7.2f} ms per request, {cpu_ms:5.2f} ms CPU of this process ({len(calls)} requests)")
        return ms

    for _ in range(50):  # the handler's first requests build its caches (URL resolver, static files' list)
        client.get("/health/")
    timed("bare", [lambda: client.get("/health/")] * args.n)
    questions = {}

    def start(i):
        def call():
            reply = client.post("/api/candidate/session/start/", HTTP_AUTHORIZATION=auth[i])
            questions[i] = reply.json()["questions"]
            return reply
        return call

    timed("start", [start(i) for i in range(args.n)])
    seq = [0]

    def save(i):
        def call():
            seq[0] += 1
            q = questions[i][seq[0] % len(questions[i])]
            return client.put(f"/api/candidate/session/responses/{q['id']}/",
                              {"selected": [q["choices"][seq[0] % len(q["choices"])]["id"]], "seq": seq[0]},
                              content_type="application/json", HTTP_AUTHORIZATION=auth[i])
        return call

    # The first save of a session reads its questions once per process; the ceiling measures the saves after.
    timed("first save", [save(i) for i in range(args.n)])
    timed("save", [save(i % args.n) for i in range(3 * args.n)])
    if args.profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(int(os.environ.get("PROF_LINES", "45")))
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
