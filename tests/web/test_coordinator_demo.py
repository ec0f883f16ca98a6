"""Every coordinator page renders on the demo data (`manage.py demo`): real variety, no crash."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.demo import data as demo
from buddynet.records.accounts.models import Membership, Role
from buddynet.records.duos.models import CheckIn, Duo
from buddynet.records.people.models import Participant, Volunteer


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC), tick=False)
def test_every_coordinator_page_renders_on_the_demo() -> None:
    demo.build(projects=1)
    membership = Membership.objects.filter(role=Role.COORDINATOR).select_related("user", "project").first()
    assert membership is not None
    project, client = membership.project, Client()
    client.force_login(membership.user)

    today = client.get(reverse("web:coordinator-today", args=[project.pk]))
    assert today.status_code == 200
    assert "Duo's die aandacht vragen" in today.content.decode()

    urls = [reverse(f"web:coordinator-{name}", args=[project.pk])
            for name in ("participants", "volunteers", "duos", "participant-intake", "volunteer-intake")]
    urls += [reverse("web:coordinator-participant", args=[pk])
             for pk in Participant.objects.filter(project=project).values_list("pk", flat=True)]
    urls += [reverse("web:coordinator-volunteer", args=[pk])
             for pk in Volunteer.objects.filter(project=project).values_list("pk", flat=True)]
    urls += [reverse("web:coordinator-duo", args=[pk])
             for pk in Duo.objects.filter(project=project).values_list("pk", flat=True)]
    urls += [reverse("web:coordinator-concern-handle", args=[pk]) for pk in CheckIn.objects.filter(
        duo__project=project, concern=True).values_list("pk", flat=True)[:5]]
    assert len(urls) > 20
    for url in urls:
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC), tick=False)
def test_demo_check_ins_were_recorded_when_they_happened() -> None:
    """Issue 17: a demo check-in carries the moment it was logged (mostly the evening of the
    contact), so only the recent ones are still inside the volunteer's 48-hour edit window."""
    from django.utils import timezone

    from buddynet.records.duos.services import CHECK_IN_EDIT_WINDOW

    demo.build(projects=1)
    now = timezone.now()
    rows = list(CheckIn.objects.values_list("date", "created_at", "concern_handled_at"))
    assert len(rows) > 50
    for day, created_at, handled_at in rows:
        logged_on = timezone.localtime(created_at).date()
        assert day <= logged_on <= day + dt.timedelta(days=3), (day, created_at)
        assert created_at <= now
        assert handled_at is None or created_at < handled_at
    editable = [r for r in rows if now - r[1] <= CHECK_IN_EDIT_WINDOW]
    assert 0 < len(editable) < len(rows) / 4
