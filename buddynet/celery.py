"""The Celery app. Tasks live in each app's tasks.py and are found by autodiscovery."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buddynet.settings")

app = Celery("buddynet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="buddynet.ping", time_limit=10)
def ping() -> str:
    """Proves a worker consumes from the broker (used by /healthz tests and the README)."""
    return "pong"
