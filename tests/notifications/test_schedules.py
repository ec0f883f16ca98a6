"""The periodic tasks live in the database (django-celery-beat), declared in one place."""

from __future__ import annotations

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from buddynet.celery import app
from notifications import schedules

pytestmark = pytest.mark.django_db


def test_migrate_installed_every_schedule_and_each_names_a_real_task() -> None:
    installed = {t.name: t for t in PeriodicTask.objects.all()}
    app.loader.import_default_modules()  # what a worker does at start: autodiscover the tasks

    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
    for entry in schedules.SCHEDULES:
        assert installed[entry.name].task == entry.task
        assert entry.task in app.tasks, f"{entry.task} is not a registered Celery task"
    assert str(installed["notifications: deliver what is left"].interval) == "every 5 minutes"
    assert installed["notifications: daily digest"].crontab.hour == "7"


def test_installing_again_keeps_what_an_administrator_changed() -> None:
    sweep = PeriodicTask.objects.get(name="notifications: deliver what is left")
    sweep.enabled = False
    sweep.save()

    assert schedules.install() == 0

    sweep.refresh_from_db()
    assert sweep.enabled is False
    assert PeriodicTask.objects.filter(name__startswith="notifications:").count() == len(schedules.SCHEDULES)
