"""Fixtures of the notifications tests.

`eager`: Celery runs tasks in the test process (the delivery task then sends through Django's
locmem e-mail backend, pytest-django's default), so "enqueued after commit" can be followed to
"e-mail sent" without a broker. The integration tests under tests/integration run a real worker.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from buddynet.celery import app
from tests.notifications.brokers import use_broker


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
