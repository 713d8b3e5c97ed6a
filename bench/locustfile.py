"""Locust scenarios against a running Assay (see bench/run.py, which starts everything).

``BareUser`` hits a bare Django JSON view (/health/) for the floor; ``StartUser`` presses Start once;
``AutosaveUser`` starts, then answers and changes answers with think time. Invitation tokens come from
``BENCH_TOKENS`` (a JSON file written by bench/prepare.py); SQL statements per request are read from the
``X-SQL-Statements`` header and written to ``BENCH_SQL_OUT`` when the run stops.
"""

import itertools
import json
import os
import random
import threading
import time
from collections import defaultdict
from pathlib import Path

from locust import FastHttpUser, between, events, task

random.seed(int(os.environ.get("BENCH_SEED", "42")))
TOKENS = json.loads(Path(os.environ["BENCH_TOKENS"]).read_text()) if os.environ.get("BENCH_TOKENS") else []
_next_token = itertools.count()
_lock = threading.Lock()
SQL = defaultdict(list)


def take_token() -> str:
    with _lock:
        return TOKENS[next(_next_token) % len(TOKENS)]


@events.request.add_listener
def record_sql(name, response, exception, **kwargs):
    if response is not None and exception is None and "X-SQL-Statements" in response.headers:
        SQL[name].append(int(response.headers["X-SQL-Statements"]))


# Steady state (the ceiling): latencies of requests sent from BENCH_SETTLE seconds after every user has
# started, so the burst of their start requests, which queue the first saves behind them, is left out.
STEADY = defaultdict(list)
_settled = {"at": float("inf"), "until": 0.0}


@events.spawning_complete.add_listener
def mark_settled(user_count, **kwargs):
    _settled["at"] = time.time() + float(os.environ.get("BENCH_SETTLE", "3"))


@events.request.add_listener
def record_steady(name, response_time, exception, start_time=None, **kwargs):
    sent = start_time if start_time is not None else time.time() - response_time / 1000
    if sent >= _settled["at"]:
        STEADY[name].append(None if exception else response_time)
        _settled["until"] = max(_settled["until"], time.time())


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


@events.test_stop.add_listener
def write_sql(**kwargs):
    if os.environ.get("BENCH_SQL_OUT"):
        with open(os.environ["BENCH_SQL_OUT"], "w") as out:
            json.dump({k: sum(v) / len(v) for k, v in SQL.items() if v}, out)
    if os.environ.get("BENCH_STEADY_OUT"):
        seconds = max(_settled["until"] - _settled["at"], 1e-9)
        steady = {}
        for name, times in STEADY.items():
            ok = [t for t in times if t is not None]
            if ok:
                steady[name] = {"requests": len(times), "rps": round(len(times) / seconds, 1),
                                "p50_ms": _percentile(ok, 0.50), "p95_ms": _percentile(ok, 0.95),
                                "p99_ms": _percentile(ok, 0.99), "error_ratio": round(1 - len(ok) / len(times), 4)}
        with open(os.environ["BENCH_STEADY_OUT"], "w") as out:
            json.dump(steady, out)


# FastHttpUser (geventhttpclient) rather than HttpUser (requests): Locust shares the two cores with the
# server, and its documentation puts the faster client at several times less CPU per request.


class BareUser(FastHttpUser):
    wait_time = between(0, 0)

    @task
    def bare(self):
        self.client.get("/health/", name="bare view")


class StartUser(FastHttpUser):
    wait_time = between(0, 0)

    def on_start(self):
        self.client.post("/api/candidate/session/start/", name="start",
                         headers={"Authorization": f"Invitation {take_token()}"})

    @task
    def idle(self):
        self.stop()


class AutosaveUser(FastHttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.auth = {"Authorization": f"Invitation {take_token()}"}
        reply = self.client.post("/api/candidate/session/start/", name="start", headers=self.auth)
        self.questions = reply.json().get("questions", []) if reply.status_code < 400 else []
        self.seq = 0  # raised to the clock in milliseconds on each save, as the page does

    @task
    def answer(self):
        if not self.questions:
            return
        question = random.choice(self.questions)
        self.seq = max(self.seq + 1, int(time.time() * 1000))
        choice = random.choice(question["choices"])["id"]
        # The body as bytes: geventhttpclient then writes request and body in one send; a str body goes
        # out in a second write that Nagle holds until the server's delayed ACK (40 ms a save).
        body = json.dumps({"selected": [choice], "seq": self.seq}).encode()
        self.client.put(f"/api/candidate/session/responses/{question['id']}/", data=body, name="autosave",
                        headers={**self.auth, "Content-Type": "application/json"})


class WarmUpUser(AutosaveUser):
    """Starts (or resumes) its session, saves once and stops: every session started and every server
    process warmed, without the load of users that go on saving."""

    wait_time = between(0, 0)

    @task
    def answer_once(self):
        self.answer()
        self.stop()


class PacedAutosaveUser(AutosaveUser):
    """One save per second per user on average, at exponentially distributed intervals: N independent
    users then send a Poisson stream of N saves/s, the usual model of an open-loop load. (Locust's
    ``constant_throughput`` keeps every user on its own one-second beat, and once the first replies
    line the beats up, all N saves arrive in the same few milliseconds and queue behind each other.)"""

    def wait_time(self):
        return random.expovariate(1.0)


class PacedBareUser(BareUser):
    """The bare view at ``PacedAutosaveUser``'s pace: what any request costs the server and Locust at a rate,
    the floor under the CPU an autosave costs at that rate (``bench/cpu_per_save.py --bare``)."""

    def wait_time(self):
        return random.expovariate(1.0)
