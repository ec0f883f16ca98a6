"""The periodic tasks live in the database (django-celery-beat), declared in one place."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from buddynet import schedules
from buddynet.celery import app

pytestmark = pytest.mark.django_db


def test_migrate_installed_every_schedule_and_each_names_a_real_task() -> None:
    installed = {t.name: t for t in PeriodicTask.objects.all()}
    app.loader.import_default_modules()  # what a worker does at start: autodiscover the tasks

    # django-celery-beat's DatabaseScheduler, behind the one-beat lock (buddynet/beat.py).
    assert settings.CELERY_BEAT_SCHEDULER == "buddynet.beat:SingleBeatScheduler"
    from django_celery_beat.schedulers import DatabaseScheduler

    from buddynet.beat import SingleBeatScheduler

    assert issubclass(SingleBeatScheduler, DatabaseScheduler)
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
    assert PeriodicTask.objects.filter(name__in=[e.name for e in schedules.SCHEDULES]).count() == len(
        schedules.SCHEDULES)


def test_a_coordinator_sets_the_rules_of_their_own_project_only(world: Any) -> None:
    from django.test import Client

    from notifications.models import ProjectRules

    mine = ProjectRules.objects.create(project=world.project)
    theirs = ProjectRules.objects.create(project=world.other_project)
    alice = Client()
    alice.force_login(world.coordinator)

    listed = alice.get("/admin/notifications/projectrules/")
    own = alice.get(f"/admin/notifications/projectrules/{mine.pk}/change/")
    other = alice.get(f"/admin/notifications/projectrules/{theirs.pk}/change/")
    saved = alice.post(f"/admin/notifications/projectrules/{mine.pk}/change/", {
        "project": world.project.pk, "disabled_kinds": '["meeting_tomorrow"]', "first_month_days": 30,
        "first_month_min_check_ins": 3, "new_duo_days": 14,
        "screening_warn_days": 30, "planned_end_warn_days": 30, "obligation_warn_days": 14})

    assert listed.status_code == 200 and own.status_code == 200
    assert other.status_code == 302  # the admin's answer to an object outside the queryset
    assert saved.status_code == 302, saved.content
    mine.refresh_from_db()
    assert (mine.first_month_min_check_ins, mine.disabled_kinds) == (3, ["meeting_tomorrow"])


def test_an_unknown_kind_in_the_rules_is_refused(world: Any) -> None:
    from django.core.exceptions import ValidationError

    from notifications.models import ProjectRules

    with pytest.raises(ValidationError) as refused:
        ProjectRules(project=world.project, disabled_kinds=["meeting_tmorrow"]).full_clean()

    assert "disabled_kinds" in refused.value.message_dict
