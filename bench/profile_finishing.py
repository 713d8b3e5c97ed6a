"""In-process cost of finishing a cohort whose deadline passed: ``sessions_finish_due`` timed, with a profile.

    .venv-bench/bin/python bench/profile_finishing.py [--n 2000] [--profile]

Same database and settings as ``bench/profile_requests.py`` (recreated); no worker, no HTTP.
"""

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import time

from common import ROOT
from profile_requests import ENV, prepare


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    prepare(1)
    subprocess.run([sys.executable, "bench/prepare.py", "cohort", str(args.n), "0"], cwd=ROOT, env=ENV, check=True,
                   capture_output=True)
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils import timezone

    from candidates.finishing import sessions_finish_due

    profiler = cProfile.Profile()
    if args.profile:
        profiler.enable()
    started = time.perf_counter()
    finished = sessions_finish_due(now=timezone.now())
    seconds = time.perf_counter() - started
    if args.profile:
        profiler.disable()
    each = 1000 * seconds / max(len(finished), 1)
    print(f"finished {len(finished)} sessions in {seconds:.2f} s ({each:.2f} ms each)")
    if args.profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
