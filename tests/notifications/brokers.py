"""Point the in-process Celery app at another broker, for tests that stop or lack a broker."""

from __future__ import annotations

import os
from typing import Any

from buddynet.celery import app


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
        # Celery reads the CELERY_BROKER_URL environment variable before its own configuration
        # (CI's service run sets it), so both are switched.
        self.old = app.conf.get("broker_url"), os.environ.get("CELERY_BROKER_URL")
        self._reset()
        app.conf.broker_url = self.url
        os.environ["CELERY_BROKER_URL"] = self.url
        assert app.conf.broker_url == self.url
        return self

    def __exit__(self, *exc: object) -> None:
        self._reset()
        conf_url, env_url = self.old
        app.conf.broker_url = conf_url
        if env_url is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = env_url
