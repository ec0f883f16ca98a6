"""Fixtures of the notifications tests.

`eager`: Celery runs tasks in the test process (the delivery task then sends through Django's
locmem e-mail backend, pytest-django's default), so "enqueued after commit" can be followed to
"e-mail sent" without a broker. The integration tests under tests/integration run a real worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from buddynet.celery import app


@pytest.fixture
def eager() -> Iterator[None]:
    old = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = old


@pytest.fixture
def broker_down() -> Iterator[str]:
    """The test process's Celery publishes to a Redis port where nothing listens."""
    from tests.integration.processes import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"
    with use_broker(url):
        yield url


class use_broker:  # noqa: N801 - used as a context manager
    """Point the in-process Celery app at another broker (and back). Celery caches its connection
    pool and producer pool on first use, so both are dropped on the way in and out."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.old: Any = None

    def _reset(self) -> None:
        # Dropped, not closed: kombu keeps one pool per broker URL in a global registry and
        # would hand the closed one out again the next time that URL is used.
        app._pool = None
        app.amqp._producer_pool = None

    def __enter__(self) -> use_broker:
        self.old = app.conf.broker_url
        self._reset()
        app.conf.broker_url = self.url
        return self

    def __exit__(self, *exc: object) -> None:
        self._reset()
        app.conf.broker_url = self.old
