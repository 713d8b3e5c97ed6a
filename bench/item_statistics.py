"""In-process cost of ``statistics_recompute`` over N finished sessions × 25 answered questions.

    .venv/bin/python bench/item_statistics.py [--n 5000] [--repeat 3] [--fresh] [--profile]

Production settings against its own PostgreSQL database (``assay_statsbench`` on localhost, Redis
databases 6 and 7, ``var/statsbench``: ``bench/common.py``). The database is created, migrated, given
the seed bank and filled by ``bench/prepare.py finished N`` the first time,
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

from common import ROOT, database_ready, production_env

ENV = production_env(database="assay_statsbench", redis_db=6, var_dir="statsbench")


def run(*args: str) -> None:
    subprocess.run([sys.executable, *args], cwd=ROOT, env=os.environ, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000, help="finished sessions")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="recreate the database")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one more recompute")
    args = parser.parse_args()
    os.environ.update(ENV)
    database_ready(ENV, fresh=args.fresh)

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
