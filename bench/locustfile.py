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

from locust import FastHttpUser, between, constant_throughput, events, task

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


@events.test_stop.add_listener
def write_sql(**kwargs):
    if os.environ.get("BENCH_SQL_OUT"):
        with open(os.environ["BENCH_SQL_OUT"], "w") as out:
            json.dump({k: sum(v) / len(v) for k, v in SQL.items() if v}, out)


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
        self.client.put(f"/api/candidate/session/responses/{question['id']}/", json={"selected": [choice],
                        "seq": self.seq}, name="autosave", headers=self.auth)


class PacedAutosaveUser(AutosaveUser):
    """One save per second per user, whatever the replies take (Locust's ``constant_throughput``):
    with N users the offered rate is N saves/s, the closest Locust comes to an open-loop load."""

    wait_time = constant_throughput(1.0)
