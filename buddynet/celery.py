"""The Celery app. Tasks live in each app's tasks.py and are found by autodiscovery."""

from __future__ import annotations

import os

from celery import Celery
from django.db.models.signals import post_migrate

from buddynet import schedules

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buddynet.settings")

app = Celery("buddynet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The periodic tasks (buddynet/schedules.py) are written into beat's schedule after `migrate`.
post_migrate.connect(schedules.install_after_migrate, dispatch_uid="buddynet-beat-schedules")


# A task-level time_limit below the global soft limit (240 s) must bring its own soft limit:
# Celery refuses to send a task whose soft_time_limit exceeds its time_limit.
@app.task(name="buddynet.ping", time_limit=10, soft_time_limit=5)
def ping() -> str:
    """Proves a worker consumes from the broker (used by /healthz tests and the README)."""
    return "pong"
