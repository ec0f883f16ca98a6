"""Dates that cannot be real are refused with a field message (issue 21, item 5).

One validator (buddynet.validators.plausible_date: 1900-01-01 … today + 5 years) on every
DateField of the project's models and on every date input of a plain form or serializer; the
walks below fail when a new date field comes without it. Then the API and the pages refuse
year 1 and year 9999 with a field message and write nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.utils import timezone
from rest_framework import serializers

from buddynet.features.funding.models import Grant
from buddynet.records.duos.models import CheckIn, Duo
from buddynet.records.people.models import Participant, Project, Volunteer
from buddynet.validators import PlausibleDate, plausible_date
from tests.conftest import World, client_for

PACKAGES = ("buddynet", "matching", "netwerk", "notifications")


def _project_models() -> Iterator[type[models.Model]]:
    for model in apps.get_models():
        if model.__module__.split(".")[0] in PACKAGES:
            yield model


def _has_window(field: Any) -> bool:
    return any(isinstance(v, PlausibleDate) for v in field.validators)


def test_every_date_field_of_the_projects_models_has_the_window() -> None:
    fields = [(m._meta.label, f.name) for m in _project_models() for f in m._meta.get_fields()
              if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)]
    assert len(fields) >= 30  # the walk finds them (consent, intake, payments, periods, meetings ...)
    missing = [(label, name) for label, name in fields if not _has_window(apps.get_model(label)._meta.get_field(name))]
    assert not missing, f"DateFields without validators=[plausible_date]: {missing}"


def _import_channel_modules() -> None:
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if ".migrations" in info.name or ".management" in info.name or info.name.endswith("tests"):
                continue
            try:
                importlib.import_module(info.name)
            except ImportError:
                continue


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _model_field_has_window(form: Any, name: str) -> bool:
    """A ModelForm's own field for a model field: the model's validators run in the form's
    _post_clean (instance.full_clean), so the window on the model field covers it."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None or name in getattr(form, "declared_fields", {}):
        return False
    try:
        return _has_window(model._meta.get_field(name))
    except Exception:
        return False


def test_every_date_input_of_the_projects_forms_and_serializers_has_the_window() -> None:
    _import_channel_modules()
    missing = []
    seen = 0
    for form in set(_subclasses(forms.BaseForm)):
        if form.__module__.split(".")[0] not in PACKAGES:
            continue
        for name, field in getattr(form, "base_fields", {}).items():
            if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
                seen += 1
                if not _has_window(field) and not _model_field_has_window(form, name):
                    missing.append(f"{form.__module__}.{form.__qualname__}.{name}")
    for serializer in set(_subclasses(serializers.BaseSerializer)):
        if serializer.__module__.split(".")[0] not in PACKAGES:
            continue
        for name, field in getattr(serializer, "_declared_fields", {}).items():
            if isinstance(field, serializers.DateField) and not field.read_only:
                seen += 1
                if not _has_window(field):
                    missing.append(f"{serializer.__module__}.{serializer.__qualname__}.{name}")
    assert seen >= 20
    assert not missing, f"date inputs without validators=[plausible_date]: {missing}"


@pytest.mark.parametrize(("day", "ok"), [
    (dt.date(1, 1, 1), False), (dt.date(1899, 12, 31), False), (dt.date(1900, 1, 1), True),
    (dt.date(9999, 12, 31), False), (None, True),
])
def test_the_window_refuses_year_1_and_9999(day: Any, ok: bool) -> None:
    if ok:
        plausible_date(day)
    else:
        with pytest.raises(ValidationError):
            plausible_date(day)


def test_the_window_ends_five_years_after_today() -> None:
    today = timezone.localdate()
    plausible_date(today.replace(year=today.year + 5) - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        plausible_date(today.replace(year=today.year + 5) + dt.timedelta(days=1))


# --- Over the API: a 400 naming the field, nothing written -------------------------------------
API_CASES = [
    ("check-in in year 1", "volunteer_user", "post", lambda w: "/api/v1/check-ins/",
     lambda w: {"duo": w.duo.pk, "date": "0001-01-01", "duration_minutes": 45, "mode": "phone"}, "date", CheckIn),
    ("project ending in 9999", "admin", "post", lambda w: "/api/v1/projects/",
     lambda w: {"organisation": w.project.organisation_id, "name": "Nieuw", "start_date": "2026-01-01",
                "end_date": "9999-12-31"}, "end_date", Project),
    ("consent in year 1", "coordinator", "post", lambda w: "/api/v1/participants/",
     lambda w: {"project": w.project.pk, "first_name": "Nadia", "last_name": "Amrani", "postcode": "9000",
                "consent_date": "0001-01-01", "consent_scope": "basic"}, "consent_date", Participant),
    ("intake in year 1", "coordinator", "patch", lambda w: f"/api/v1/volunteers/{w.volunteer.pk}/",
     lambda w: {"intake_date": "0001-01-01"}, "intake_date", Volunteer),
    ("next meeting in 9999", "volunteer_user", "post", lambda w: f"/api/v1/duos/{w.duo.pk}/next-meeting/",
     lambda w: {"on": "9999-12-31"}, "on", Duo),
    ("grant starting in 9999", "admin", "post", lambda w: "/api/v1/funding/grants/",
     lambda w: {"funder": w.funder.pk, "project": w.project.pk, "amount": "1000.00", "start_date": "9999-01-01"},
     "start_date", Grant),
    ("network map in year 1", "coordinator", "post", lambda w: "/api/v1/netwerk/maps/",
     lambda w: {"participant": w.participant.pk, "date": "0001-01-01", "kind": "intake"}, "date", None),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "user", "method", "url", "body", "field", "model"),
                         API_CASES, ids=[c[0] for c in API_CASES])
def test_the_api_refuses_an_impossible_date_with_a_field_message(world: World, label: str, user: str, method: str,
                                                                 url: Any, body: Any, field: str, model: Any) -> None:
    before = list(model.objects.order_by("pk").values()) if model else None
    response = getattr(client_for(getattr(world, user)), method)(url(world), body(world), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    if model:
        assert list(model.objects.order_by("pk").values()) == before


# --- Over the pages: the form shows the message, nothing written -----------------------------
@pytest.mark.django_db
def test_the_volunteers_check_in_page_refuses_year_1(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(world.volunteer_user)
    before = CheckIn.objects.count()
    response = client.post("/mijn/contact/", {"duo": world.duo.pk, "date": "0001-01-01", "duration": "60",
                                              "mode": "in_person", "activities": ["talk"], "mood": "4"})
    assert response.status_code in (200, 400)
    assert "Geef een datum tussen" in response.content.decode()
    assert CheckIn.objects.count() == before


@pytest.mark.django_db
def test_the_volunteers_meeting_page_refuses_year_9999(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl-BE")
    client.force_login(world.volunteer_user)
    response = client.post(f"/mijn/duo/{world.duo.pk}/afspraak/", {"on": "9999-12-31"})
    assert response.status_code in (200, 400)
    assert "Geef een datum tussen" in response.content.decode()
    world.duo.refresh_from_db()
    assert world.duo.next_meeting_on != dt.date(9999, 12, 31)
