"""The intake wizard keeps what was typed: Enter means "Next", and "Back" loses nothing (issue 17)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.records.people.models import Participant
from tests.conftest import World
from tests.web.form_html import form_data
from tests.web.test_coordinator_forms import DAILY, NEEDS, PERSON, step

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False):
        yield


@pytest.fixture
def client(world: World) -> Client:
    client = Client()
    client.force_login(world.coordinator)
    return client


def _form(response: Any) -> dict[str, Any]:
    html = response.content.decode()
    start = html.index('<form method="post" novalidate class="intake-form"')
    return form_data(html[start:])


def _submit_buttons(response: Any) -> list[str]:
    html = response.content.decode()
    form = html[html.index('class="intake-form"'):]
    form = form[: form.index("</form>")]
    return re.findall(r"<button[^>]*type=\"submit\"[^>]*>", form)


def test_the_first_submit_button_of_every_step_is_next(world: World, client: Client) -> None:
    url = reverse("web:coordinator-participant-intake", args=[world.project.pk])
    prefix = f"intake_participant_{world.project.pk}"
    responses = [client.get(url)]
    for name, data in (("person", PERSON), ("daily", DAILY), ("needs", NEEDS)):
        responses.append(step(client, url, prefix, name, data))
    for response in responses:
        buttons = _submit_buttons(response)
        assert buttons, "every step has a submit button"
        # A browser submits a form on Enter with its first submit button: that must be "Next".
        assert "wizard_goto_step" not in buttons[0]
    assert any("wizard_goto_step" in b for b in _submit_buttons(responses[-1])), "later steps offer Back"


def test_back_keeps_what_was_typed_on_the_step_being_left(world: World, client: Client) -> None:
    url = reverse("web:coordinator-participant-intake", args=[world.project.pk])
    prefix = f"intake_participant_{world.project.pk}"
    client.get(url)
    step(client, url, prefix, "person", PERSON)
    step(client, url, prefix, "daily", DAILY)
    typed = {"needs-domain_housing": "3", "needs-domain_social": "2", "needs-preferred_age_min": "30",
             "needs-preferred_age_max": "", "needs-notes": "Houdt van fietsen."}
    # Back from step 3 with what was typed (not complete: no other domain values sent).
    response = client.post(url, {f"{prefix}-current_step": "needs", "wizard_goto_step": "daily", **typed})
    assert response.status_code == 200
    shown = _form(response)
    assert sorted(shown["daily-languages"]) == ["ar", "nl"]  # step 2 as it was
    # Forward again: step 3 shows what was typed before going back.
    response = step(client, url, prefix, "daily", DAILY)
    shown = _form(response)
    assert shown["needs-domain_housing"] == "3"
    assert shown["needs-domain_social"] == "2"
    assert shown["needs-preferred_age_min"] == "30"
    assert shown["needs-notes"] == "Houdt van fietsen."


def test_back_from_step_two_keeps_the_changed_languages_and_the_intake_completes(world: World, client: Client) -> None:
    url = reverse("web:coordinator-participant-intake", args=[world.project.pk])
    prefix = f"intake_participant_{world.project.pk}"
    client.get(url)
    step(client, url, prefix, "person", PERSON)
    response = client.post(url, {f"{prefix}-current_step": "daily", "wizard_goto_step": "person",
                                 "daily-languages": ["fr"], "daily-availability": ["tue_morning"]})
    assert _form(response)["person-first_name"] == "Nadia"
    response = step(client, url, prefix, "person", PERSON)
    shown = _form(response)
    assert shown["daily-languages"] == "fr" and shown["daily-availability"] == "tue_morning"
    response = client.post(url, {f"{prefix}-current_step": "daily", **{k: v for k, v in shown.items()
                                                                      if k.startswith("daily-")}})
    step(client, url, prefix, "needs", NEEDS)
    response = step(client, url, prefix, "consent",
                    {"explained": "on", "consent_scope": "network", "consent_date": "2025-11-03"})
    assert response.status_code == 302
    saved = Participant.objects.get(first_name="Nadia")
    assert (saved.languages, saved.availability) == (["fr"], ["tue_morning"])
