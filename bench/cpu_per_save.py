"""Machine CPU per autosave at fixed offered rates: what each save costs the web workers, PostgreSQL, Redis
and the load generator, read from the processes' CPU times while the rate holds.

    .venv-bench/bin/python bench/cpu_per_save.py [--rates 400,400] [--sessions 800] [--label TEXT] [--out FILE]
                                                [--bare]

The ceiling (``bench/run.py``) is a latency threshold near saturation, and this VM's speed drifts by the
minute, so two ceiling runs of the same code can differ by a third. CPU time per save at a rate well below
saturation moves far less, which makes it the figure to compare two versions of the code by, run back to
back. Uses ``bench/run.py``'s server setup (database ``assay_bench``, Redis database 2, port 8050): never
run it beside that. Prints one JSON line per rate and, with ``--out``, appends them to that JSON file's
``cpu_per_save`` list under ``--label``. With ``--bare`` the requests are the bare view's at the same rates
(``PacedBareUser``): what any request costs the server and Locust, the floor under a save's figure.
"""

import argparse
import json
import subprocess
import threading
import time
from pathlib import Path

import psutil
from common import database_ready
from run import PY, RESULTS, db_settle, env, locust, manage, sh, web_ready, web_start


def cpu_seconds() -> dict[str, float]:
    """User + system CPU seconds so far of the gunicorn, PostgreSQL, Redis and Locust processes."""
    out: dict[str, float] = {}
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            command = " ".join(proc.info["cmdline"] or [])
            kind = ("gunicorn" if "gunicorn" in command else "postgres" if proc.info["name"] == "postgres" else
                    "redis" if "redis-server" in command else "locust" if "locust" in command else None)
            if kind:
                times = proc.cpu_times()
                out[kind] = out.get(kind, 0.0) + times.user + times.system
        except psutil.Error:
            continue
    return out


def measure(rate: int, tokens: Path, *, bare: bool = False) -> dict:
    """Offer ``rate`` saves/s for 30 s; CPU read over 15 s of its steady part (a process that ended in between,
    a PostgreSQL backend say, would make its kind's figure low: each kind is kept only if not negative)."""
    marks = {}

    def sample():
        time.sleep(12)
        marks["from"] = (time.time(), cpu_seconds())
        time.sleep(15)
        marks["to"] = (time.time(), cpu_seconds())

    sampler = threading.Thread(target=sample)
    sampler.start()
    user, name = ("PacedBareUser", "bare view") if bare else ("PacedAutosaveUser", "autosave")
    row = locust(user, rate, rate, 30, tokens, f"cpu-{rate}", steady=True)[name]
    sampler.join()
    (started, before), (ended, after) = marks["from"], marks["to"]
    saves = row["rps"] * (ended - started)
    per_save = {kind: round(1000 * (after[kind] - before.get(kind, 0.0)) / saves, 3) for kind in after}
    per_save = {kind: ms for kind, ms in per_save.items() if ms >= 0}
    return {"offered": rate, "rps": row["rps"], "p50_ms": row["p50_ms"], "p99_ms": row["p99_ms"],
            "cpu_ms_per_save": per_save, "cpu_ms_per_save_total": round(sum(per_save.values()), 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="400,400")
    parser.add_argument("--sessions", type=int, default=800)
    parser.add_argument("--label", default="")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--bare", action="store_true", help="the bare view at the same rates, for comparison")
    args = parser.parse_args()
    database_ready(env())
    subprocess.run(["redis-cli", "-n", "2", "flushdb"], check=True, capture_output=True)
    manage("collectstatic", "--noinput")
    RESULTS.mkdir(parents=True, exist_ok=True)
    tokens = RESULTS / "cpu-tokens.json"
    sh(PY, "bench/prepare.py", "invitations", str(args.sessions), str(tokens))
    subprocess.run(["redis-cli", "-n", "2", "flushdb"], check=True, capture_output=True)
    web = web_start()
    rows = []
    try:
        web_ready()
        locust("WarmUpUser", args.sessions, 50, args.sessions // 50 + 5, tokens, "cpu-warmup")
        db_settle()
        for rate in (int(r) for r in args.rates.split(",")):
            rows.append(measure(rate, tokens, bare=args.bare))
            print(json.dumps(rows[-1]), flush=True)
    finally:
        web.terminate()
        web.wait(timeout=30)
    if args.out:
        record = json.loads(args.out.read_text()) if args.out.exists() else {}
        record.setdefault("cpu_per_save", []).append({"label": args.label, "steps": rows})
        args.out.write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
