"""The load generator of benchmarks/load_api.py: Locust users per role, run headless through
Locust's library API, in a process of its own (importing Locust patches the standard library
with gevent, which the Django side must never see).

    .venv/bin/python benchmarks/load_api_locust.py CONFIG.json

load_api.py writes CONFIG (address, identities with their API tokens and the ids they work on,
how many users of each role, think time, warm-up and measured seconds) and reads the one JSON
line this prints: per request name, every latency (ms) of a request that started after the
warm-up and ended before the stop, and the failures with their reasons.

Each Locust user is one person with their own token, who waits a random think time between two
requests (closed loop: a slow answer slows that user down, as it would a person). What each role
asks for, and how often, is load_api.ROLE_PATHS.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import gevent
from load_api import EXPECTED_STATUS, ROLE_PATHS, check_in_body, fill, request_name
from locust import FastHttpUser, between
from locust.env import Environment

CONFIG: dict[str, Any] = {}


class _ApiUser(FastHttpUser):
    abstract = True
    role = ""
    network_timeout = 30.0
    connection_timeout = 30.0

    def on_start(self) -> None:
        # One identity per user, handed out in turn (load_api.py makes as many as there are users).
        self.me = next(IDENTITIES[self.role])
        self.headers = {"Accept": "application/json", "Authorization": f"Token {self.me['token']}"}


IDENTITIES: dict[str, Iterator[dict[str, Any]]] = {}


def _task(role: str, method: str, path: str) -> Callable[[_ApiUser], None]:
    name = request_name(role, method, path)
    expected = EXPECTED_STATUS[method]

    def send(user: _ApiUser) -> None:
        if method == "POST":
            body = check_in_body(duo=user.me["ids"]["duo"][0], today=CONFIG["today"])
            answer = user.client.post(path, json=body, name=name, headers=user.headers, catch_response=True)
        else:
            answer = user.client.get(fill(path, user.me["ids"]), name=name, headers=user.headers,
                                     catch_response=True)
        with answer as response:
            if response.status_code != expected:
                response.failure(f"status {response.status_code}")

    return send


def user_class(role: str) -> type[_ApiUser]:
    tasks = {_task(role, method, path): weight for weight, method, path in ROLE_PATHS[role]}
    return type(f"{role.title()}User", (_ApiUser,), {"role": role, "tasks": tasks})


def run(config: dict[str, Any]) -> dict[str, Any]:
    CONFIG.update(config)
    classes = []
    for role in ROLE_PATHS:
        IDENTITIES[role] = itertools.cycle(config["identities"][role])
        cls = user_class(role)
        cls.fixed_count = config["users"][role]
        cls.wait_time = between(*config["think_seconds"][role])
        cls.host = config["host"]
        classes.append(cls)
    env = Environment(user_classes=classes)
    latencies: dict[str, list[float]] = {}
    failures: dict[str, dict[str, int]] = {}
    begin = time.time()
    measure_from = begin + config["warmup"]
    stop_at = measure_from + config["seconds"]

    def on_request(name: str, response_time: float, exception: Exception | None, start_time: float,
                   **_kwargs: Any) -> None:
        # Only what started after the warm-up and ended before the stop: a request cut off by
        # the stop would count as a failure that the server never caused.
        if start_time < measure_from or start_time + response_time / 1000 > stop_at:
            return
        latencies.setdefault(name, []).append(response_time)
        if exception is not None:
            reason = str(exception)[:120]
            failures.setdefault(name, {})
            failures[name][reason] = failures[name].get(reason, 0) + 1

    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    total = sum(config["users"].values())
    runner.start(total, spawn_rate=total / min(config["warmup"], 2.0))
    gevent.spawn_later(stop_at - time.time(), runner.quit)
    runner.greenlet.join()
    return {"latencies": latencies, "failures": failures, "seconds": config["seconds"],
            "users": config["users"]}


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(json.dumps(run(json.load(f))))
