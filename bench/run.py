"""Run every benchmark scenario the production way and record the numbers.

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -r bench/requirements.txt
    .venv-bench/bin/python bench/run.py            # full sizes (500 starts, 10,000-session cohort, ...)
    .venv-bench/bin/python bench/run.py --quick    # smaller sizes, same shape

Needs PostgreSQL and Redis on localhost (as CI has). Uses its own database (``assay_bench``, recreated)
and Redis database 2. Starts gunicorn (4 workers, DEBUG off), one Celery worker and beat, then runs the
Locust scenarios headless with a fixed seed and bounded durations on loopback, and writes
``bench/results/<date>.json`` plus a table on stdout.
"""

import argparse
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
import psycopg
import requests
from common import ROOT, database_ready, production_env

RESULTS = ROOT / "bench" / "results"
PORT = 8050
URL = f"http://127.0.0.1:{PORT}"
PY = sys.executable


def env() -> dict:
    return production_env(database="assay_bench", redis_db=2, var_dir="bench", site_url=URL, ASSAY_COUNT_SQL="1",
                          ASSAY_SWEEP_INTERVAL="1", GUNICORN_ACCESSLOG="", GUNICORN_BIND=f"127.0.0.1:{PORT}")


def sh(*args, **kwargs) -> str:
    return subprocess.run(args, cwd=ROOT, env=env(), check=True, capture_output=True, text=True, **kwargs).stdout


def manage(*args) -> str:
    return sh(PY, "manage.py", *args)


def locust(user: str, users: int, rate: float, seconds: int, tokens: Path, prefix: str, *,
           steady: bool = False) -> dict:
    """Run one Locust user class headless: per request name, requests, req/s, p50/p95/p99 (ms), error
    ratio and SQL statements per request. With ``steady`` the figures are those of requests sent from
    5 s after every user had started (``BENCH_SETTLE``): the burst of the users' own start requests
    belongs to the start scenario, not to a sustained rate."""
    sql_out, steady_out = RESULTS / f"{prefix}-sql.json", RESULTS / f"{prefix}-steady.json"
    subprocess.run([PY, "-m", "locust", "-f", "bench/locustfile.py", "--headless", "-u", str(users), "-r", str(rate),
                    "-t", f"{seconds}s", "--host", URL, "--csv", str(RESULTS / prefix), "--only-summary", user],
                   cwd=ROOT, env={**env(), "BENCH_TOKENS": str(tokens), "BENCH_SQL_OUT": str(sql_out),
                                  "BENCH_STEADY_OUT": str(steady_out), "BENCH_SETTLE": "5"},
                   check=False, capture_output=True)  # Locust exits 1 on any failed request: counted below
    rows = list(csv.DictReader((RESULTS / f"{prefix}_stats.csv").open()))
    sql = json.loads(sql_out.read_text()) if sql_out.exists() else {}
    out = {}
    for row in rows:
        name = row["Name"]
        requests_n = int(row["Request Count"])
        out[name] = {"requests": requests_n, "rps": round(float(row["Requests/s"]), 1),
                     "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]), "p99_ms": float(row["99%"]),
                     "error_ratio": round(int(row["Failure Count"]) / requests_n, 4) if requests_n else 0,
                     "sql_per_request": round(sql[name], 2) if name in sql else None}
    if steady:
        for name, figures in json.loads(steady_out.read_text()).items():
            out[name] = {**figures, "sql_per_request": out.get(name, {}).get("sql_per_request")}
    return out


def db_settle() -> None:
    """Before each scenario, as pgbench does: statistics up to date and a checkpoint taken now, so the
    writes of the data just prepared are not flushed in the middle of the next measurement."""
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/assay_bench", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")


def web_start() -> subprocess.Popen:
    """gunicorn as production runs it (4 workers, ``config/gunicorn.py``), on ``URL``; see ``web_ready``."""
    return subprocess.Popen([PY, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"], cwd=ROOT,
                            env={**env(), "GUNICORN_WORKERS": "4"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def web_ready() -> None:
    """Wait (up to about 30 s) until the bare view answers."""
    for _ in range(60):
        try:
            if requests.get(f"{URL}/health/", timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.5)


def speed_probe() -> float:
    """Seconds of one core for a fixed piece of work (400,000 chained SHA-256 digests), best of three: this
    VM's speed changes by the minute, so the record says how fast it was as each scenario began and at the end
    (lower is faster; the same work took 0.10 s to 0.19 s on 2026-11-22)."""
    best = float("inf")
    for _ in range(3):
        started, digest = time.perf_counter(), b"assay"
        for _ in range(400_000):
            digest = hashlib.sha256(digest).digest()
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def processes(procs) -> dict:
    stats = {}
    for name, proc in procs.items():
        parent = psutil.Process(proc.pid)
        family = [parent, *parent.children(recursive=True)]
        stats[name] = {"peak_rss_mb": round(max(p.memory_info().rss for p in family) / 2**20, 1),
                       "cpu_seconds": round(sum(sum(p.cpu_times()[:2]) for p in family), 1)}
    return stats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated: bare,start,autosave,ceiling,cohort,results")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(","))) or {"bare", "start", "autosave", "ceiling", "cohort", "results"}
    sizes = ({"start": 100, "autosave": 50, "ceiling": 200, "cohort": 1000, "finished": 500} if args.quick else
             {"start": 500, "autosave": 200, "ceiling": 1600, "cohort": 10000, "finished": 5000})
    RESULTS.mkdir(parents=True, exist_ok=True)
    database_ready(env())
    subprocess.run(["redis-cli", "-n", "2", "flushdb"], check=True, capture_output=True)
    manage("collectstatic", "--noinput")
    tokens = RESULTS / "tokens.json"
    sh(PY, "bench/prepare.py", "invitations", str(sizes["start"] + sizes["autosave"] + sizes["ceiling"]), str(tokens))
    # What creating the invitations queued (their emails, their forms: prepare.py drew those already) is
    # not what is measured, and a worker busy with it would share the cores with every scenario.
    subprocess.run(["redis-cli", "-n", "2", "flushdb"], check=True, capture_output=True)
    all_tokens = iter(json.loads(tokens.read_text()))
    for name in ("start", "autosave", "ceiling"):
        (RESULTS / f"{name}-tokens.json").write_text(json.dumps([next(all_tokens) for _ in range(sizes[name])]))

    procs = {
        "web": web_start(),
        "worker": subprocess.Popen([PY, "-m", "celery", "-A", "config", "worker", "--concurrency", "1",
                                    "--loglevel", "WARNING"], cwd=ROOT, env=env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL),
        "beat": subprocess.Popen([PY, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING",
                                  "--schedule", str(RESULTS / "beat-schedule")], cwd=ROOT, env=env(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    }
    try:
        web_ready()
        results = {"date": datetime.now(UTC).date().isoformat(), "machine": f"{os.cpu_count()} cores, "
                   f"{round(psutil.virtual_memory().total / 2**30)} GiB", "sizes": sizes, "scenarios": {},
                   "speed_probe_s": {}}

        def settle(scenario: str) -> None:
            db_settle()
            results["speed_probe_s"][scenario] = speed_probe()

        if "bare" in only:
            settle("bare view")
            results["scenarios"]["bare view"] = locust("BareUser", 50, 50, 20, tokens, "bare")
        if "start" in only:
            settle("start spike")
            results["scenarios"]["start spike"] = locust("StartUser", sizes["start"], sizes["start"], 20,
                                                         RESULTS / "start-tokens.json", "start")
        if "autosave" in only:
            settle("steady autosave")
            results["scenarios"]["steady autosave"] = locust("AutosaveUser", sizes["autosave"], 50, 30,
                                                             RESULTS / "autosave-tokens.json", "autosave")
        if "ceiling" in only:
            settle("autosave ceiling")
            results["scenarios"]["autosave ceiling"] = autosave_ceiling(
                results["scenarios"].get("bare view", {}).get("bare view", {}).get("rps"), sessions=sizes["ceiling"])
        if "cohort" in only:
            results["speed_probe_s"]["cohort deadline"] = speed_probe()
            results["scenarios"]["cohort deadline"] = cohort(sizes["cohort"])
        if "results" in only:
            results["speed_probe_s"]["results"] = speed_probe()
            results["scenarios"].update(results_at_scale(sizes["finished"]))
        results["processes"] = processes(procs)
        results["speed_probe_s"]["end"] = speed_probe()
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()  # a worker still busy with a cohort's report PDFs
    out = RESULTS / f"{datetime.now(UTC).date().isoformat()}{'-quick' if args.quick else ''}.json"
    if args.only and out.exists():
        # A partial run adds its scenarios to the day's record instead of replacing it.
        earlier = json.loads(out.read_text())
        results["scenarios"] = {**earlier.get("scenarios", {}), **results["scenarios"]}
        results["processes_earlier_run"] = earlier.get("processes")
    out.write_text(json.dumps(results, indent=2))
    print(f"{'scenario':18} {'requests':>8} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'err':>6} {'SQL':>5}")
    for scenario in ("bare view", "start spike", "steady autosave"):
        for name, row in results["scenarios"].get(scenario, {}).items():
            if name == "Aggregated":
                continue
            print(f"{name:18} {row['requests']:>8} {row['rps']:>7} {row['p50_ms']:>6.0f} {row['p95_ms']:>6.0f} "
                  f"{row['p99_ms']:>6.0f} {row['error_ratio']:>6} {row['sql_per_request'] or '-':>5}")
    for scenario in ("autosave ceiling", "cohort deadline", "results list", "results csv", "item statistics"):
        if scenario in results["scenarios"]:
            print(f"{scenario}:", json.dumps(results["scenarios"][scenario]))
    print("processes:", json.dumps(results["processes"]))
    print(f"written to {out.relative_to(ROOT)}")


def autosave_ceiling(bare_rps: float | None, *, sessions: int,
                     steps=(50, 100, 200, 300, 400, 500, 600, *range(650, 1650, 50))) -> dict:
    """Offered autosave rates (saves/s, one paced user each, each user its own session) in rising steps of
    25 s after a warm-up, each measured in its steady state (``locust(steady=True)``: from 5 s after all
    users started); the ceiling is the highest rate served in full with p99 < 100 ms. Stops at the first
    step that misses, or when the steps need more than ``sessions`` users: ``ceiling_found`` is then false
    and the ceiling only a lower bound.

    Right before each step the bare view is measured again for 15 s (``bare_view_rps_adjacent``, with the
    speed probe): this VM's speed drifts within minutes, so the ceiling's ratio is taken to the bare view
    measured next to the step that set it (``ratio_to_adjacent_bare``), as well as to the run's own bare
    view scenario (``ratio_to_bare``)."""
    tokens = RESULTS / "ceiling-tokens.json"
    # Unrecorded warm-up: every session is started (a step's users then resume theirs), and every
    # gunicorn worker connects, renders the test's questions and fills its caches once; otherwise the
    # first steps would measure starts and cold workers rather than the autosave path. One session per
    # user: two users saving the same question of one session would refuse each other's older saves.
    locust("WarmUpUser", sessions, 50, max(10, sessions // 50 + 5), tokens, "ceiling-warmup")
    db_settle()  # the warm-up's 1,600 starts and saves are not the first step's to flush
    rows, ceiling, ceiling_bare, found = [], 0, None, False
    for rate in (r for r in steps if r <= sessions):
        probe = speed_probe()
        bare = locust("BareUser", 50, 50, 15, tokens, f"ceiling-bare-{rate}", steady=True).get("bare view", {})
        row = locust("PacedAutosaveUser", rate, rate, 25, tokens, f"ceiling-{rate}", steady=True)
        save = row.get("autosave", {})
        ok = bool(save) and save["p99_ms"] < 100 and save["error_ratio"] == 0 and save["rps"] >= 0.8 * rate
        rows.append({"offered": rate, **save, "held": ok, "bare_view_rps_adjacent": bare.get("rps"),
                     "speed_probe_s": probe})
        if not ok:
            found = True
            break
        ceiling, ceiling_bare = rate, bare.get("rps")
    return {"steps": rows, "ceiling_saves_per_s": ceiling, "ceiling_found": found, "bare_view_rps": bare_rps,
            "ratio_to_bare": round(ceiling / bare_rps, 3) if bare_rps and ceiling else None,
            "bare_view_rps_adjacent": ceiling_bare,
            "ratio_to_adjacent_bare": round(ceiling / ceiling_bare, 3) if ceiling_bare and ceiling else None}


def cohort(size: int) -> dict:
    """Sessions closing in the same second, nobody submitting: lag from closing to finished and scored."""
    closes = json.loads(sh(PY, "bench/prepare.py", "cohort", str(size), "5"))["closes_at"]
    closes_epoch = datetime.fromisoformat(closes).timestamp()
    # Polled with one plain connection: a Django process per poll would take CPU from the worker.
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/assay_bench", autocommit=True) as conn:
        for _ in range(1200):
            time.sleep(0.25)
            open_, reports = conn.execute(
                "SELECT (SELECT count(*) FROM candidates_testsession WHERE closes_at = %s AND (status = "
                "'in_progress' OR scored_at IS NULL)), (SELECT count(*) FROM candidates_outboxemail WHERE "
                "created_at >= %s AND dedup_key LIKE 'report:%%')", [closes, closes]).fetchone()
            if open_ == 0 and reports >= size:
                break
        # Wall clock from closing time until every session was finished, scored and its report queued
        # (scored_at is one clock reading per sweep, so it cannot show the spread within a sweep).
        done_after = round(time.time() - closes_epoch, 1)
    lags = json.loads(sh(PY, "bench/prepare.py", "cohort-lags", closes))
    lags["all_done_after_s"] = done_after
    return lags


def results_at_scale(size: int) -> dict:
    """The results list API over ``size`` finished sessions, and the item statistics of their responses."""
    sh(PY, "bench/prepare.py", "reset")
    sh(PY, "bench/prepare.py", "finished", str(size))
    db_settle()
    token = manage("drf_create_token", "bench").split()[2]
    headers = {"Authorization": f"Token {token}"}
    version = requests.get(f"{URL}/api/published-versions/?limit=1", headers=headers, timeout=60).json()
    version_id = version["results"][0]["id"]
    out = {}
    for name, path in (("results list", f"/api/published-versions/{version_id}/results/?limit=50"),
                       ("results csv", f"/api/published-versions/{version_id}/results.csv")):
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            reply = requests.get(f"{URL}{path}", headers=headers, timeout=120)
            timings.append(1000 * (time.perf_counter() - started))
        out[name] = {"sessions": size, "ms_median": round(sorted(timings)[2], 1), "status": reply.status_code,
                     "sql": int(reply.headers.get("X-SQL-Statements", "0"))}
    started = time.perf_counter()
    printed = manage("compute_item_statistics")
    # The recompute's own time (the command prints it) and the command's, Django's start-up included.
    computed = re.search(r"item statistics: (\d+) responses, \d+ items in ([\d.]+) s", printed)
    out["item statistics"] = {"responses": int(computed[1]), "seconds": float(computed[2]),
                              "command_seconds": round(time.perf_counter() - started, 2)}
    return out


if __name__ == "__main__":
    main()
