"""Editing a participant or a volunteer after intake on buddynet's own pages (issue 17).

The page reuses the intake steps' forms; these tests post what the page shows (read back from
its HTML), change fields, and check the record, the audit log and that bad input saves nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from buddynet.records.duos.services import duo_close
from buddynet.records.people.models import Participant, Volunteer
from tests import factories as f
from tests.conftest import World
from tests.web.form_html import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(dt.datetime(2025, 11, 3, 10, 0), tick=False):
        yield


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown_form(client: Client, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.content.decode(), "person-edit")


def participant_edit_body(w: World) -> dict[str, Any]:
    """A complete, valid body for the world's participant (used by the access test too)."""
    return {
        "person-first_name": w.participant.first_name, "person-last_name": w.participant.last_name,
        "person-postcode": "9000", "person-mobility": "walk", "daily-languages": ["nl"],
        "daily-availability": ["sat_morning"], "needs-domain_social": "3", "needs-gender_preference": "any",
        **{f"needs-domain_{code}": "0" for code in ("housing", "work", "income", "health", "mobility",
                                                      "childcare", "education", "leisure", "administration")},
        "person-referred_by": "OCMW",
    }


def volunteer_edit_body(w: World) -> dict[str, Any]:
    return {
        "person-first_name": w.volunteer.first_name, "person-last_name": w.volunteer.last_name,
        "person-postcode": "9000", "person-mobility": "bike", "daily-languages": ["nl"],
        "daily-availability": ["sat_morning"], "strengths-domain_social": "3", "strengths-gender_preference": "any",
        "strengths-capacity": "1", "screening-intake_date": "2025-02-01",
        **{f"strengths-domain_{code}": "0" for code in ("housing", "work", "income", "health", "mobility",
                                                          "childcare", "education", "leisure", "administration")},
    }


def test_the_participant_page_links_to_the_edit_page(world: World) -> None:
    response = _client(world.coordinator).get(reverse("web:coordinator-participant", args=[world.participant.pk]))
    assert reverse("web:coordinator-participant-edit", args=[world.participant.pk]) in response.content.decode()
    response = _client(world.coordinator).get(reverse("web:coordinator-volunteer", args=[world.volunteer.pk]))
    assert reverse("web:coordinator-volunteer-edit", args=[world.volunteer.pk]) in response.content.decode()


def test_the_edit_page_shows_the_record_with_the_intake_widgets(world: World) -> None:
    p = world.participant
    p.languages, p.interests, p.availability = ["nl", "ar"], ["walking", "cooking"], ["mon_morning", "sat_evening"]
    p.needs, p.preferred_age_min, p.notes = {"social": 3, "housing": 2}, 30, "Houdt van koffie."
    p.save()
    client = _client(world.coordinator)
    url = reverse("web:coordinator-participant-edit", args=[p.pk])
    html = client.get(url).content.decode()
    assert 'class="availability-grid"' in html  # the intake's week grid
    assert 'class="field domains"' in html  # the 0-3 scale per life domain
    data = shown_form(client, url)
    assert data["person-first_name"] == "Marieke"
    assert data["person-postcode"] == "9000"
    assert sorted(data["daily-languages"]) == ["ar", "nl"]
    assert sorted(data["daily-interests"]) == ["cooking", "walking"]
    assert sorted(data["daily-availability"]) == ["mon_morning", "sat_evening"]
    assert data["needs-domain_social"] == "3" and data["needs-domain_housing"] == "2"
    assert data["needs-domain_work"] == "0"
    assert data["needs-preferred_age_min"] == "30"
    assert data["needs-notes"] == "Houdt van koffie."


def test_a_coordinator_edits_every_field_of_a_participant_and_it_is_audited(world: World) -> None:
    p = world.participant
    client = _client(world.coordinator)
    url = reverse("web:coordinator-participant-edit", args=[p.pk])
    data = shown_form(client, url)
    data.update({
        "person-first_name": "Mariek", "person-last_name": "Peters", "person-birth_year": "1980",
        "person-gender": "x", "person-email": "m@example.be", "person-phone": "0470 12 34 56",
        "person-postcode": "2000", "person-mobility": "bike", "person-referred_by": "CAW Oost-Vlaanderen",
        "daily-languages": ["fr", "nl"], "daily-interests": ["cooking", "music"],
        "daily-availability": ["tue_evening", "sun_afternoon"], "daily-interpreter_arranged": "on",
        "needs-domain_social": "1", "needs-domain_housing": "3", "needs-domain_administration": "0",
        "needs-gender_preference": "f", "needs-preferred_age_min": "25", "needs-preferred_age_max": "60",
        "needs-notes": "Liever overdag.",
    })
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:coordinator-participant", args=[p.pk])
    p.refresh_from_db()
    assert (p.first_name, p.last_name, p.birth_year, p.gender) == ("Mariek", "Peters", 1980, "x")
    assert (p.email, p.phone, p.referred_by) == ("m@example.be", "0470 12 34 56", "CAW Oost-Vlaanderen")
    assert (p.postcode, p.municipality, p.mobility) == ("2000", "Antwerpen", "bike")
    assert sorted(p.languages) == ["fr", "nl"] and sorted(p.interests) == ["cooking", "music"]
    assert sorted(p.availability) == ["sun_afternoon", "tue_evening"] and p.interpreter_arranged
    assert p.needs == {"social": 1, "housing": 3}
    assert (p.gender_preference, p.preferred_age_min, p.preferred_age_max) == ("f", 25, 60)
    assert p.notes == "Liever overdag."
    # Unchanged by the edit: status, waiting time and consent.
    assert (p.status, p.waiting_since, p.consent_date) == ("waiting", dt.date(2025, 6, 1), dt.date(2025, 5, 20))
    entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Participant), object_pk=str(p.pk),
        action=LogEntry.Action.UPDATE,
    ).order_by("-pk").first()
    assert entry.actor == world.coordinator
    assert {"needs", "languages", "postcode", "first_name"} <= set(entry.changes_dict)


def test_bad_input_is_refused_per_field_and_nothing_is_saved(world: World) -> None:
    p = world.participant
    client = _client(world.coordinator)
    url = reverse("web:coordinator-participant-edit", args=[p.pk])
    data = shown_form(client, url)
    data.update({"person-first_name": "Anders", "person-postcode": "0001", "daily-languages": [],
                 "needs-preferred_age_min": "60", "needs-preferred_age_max": "30"})
    data.pop("daily-languages")
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Onbekende Belgische postcode: 0001." in text
    assert "Kies minstens één taal." in text
    assert "De bovengrens van de leeftijd is lager dan de ondergrens." in text
    p.refresh_from_db()
    assert p.first_name == "Marieke" and p.postcode == "9000" and p.languages == ["nl"]


def test_needs_must_name_a_life_domain_as_at_intake(world: World) -> None:
    client = _client(world.coordinator)
    url = reverse("web:coordinator-participant-edit", args=[world.participant.pk])
    data = shown_form(client, url)
    data.update({f"needs-domain_{code}": "0" for code in ("social", "administration")})
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 400
    assert "Geef minstens één levensdomein waar ondersteuning nodig is." in response.content.decode()
    world.participant.refresh_from_db()
    assert world.participant.needs == {"social": 3, "administration": 2}


def test_a_coordinator_edits_every_field_of_a_volunteer(world: World) -> None:
    vol = world.volunteer
    client = _client(world.coordinator)
    url = reverse("web:coordinator-volunteer-edit", args=[vol.pk])
    data = shown_form(client, url)
    assert data["screening-criminal_record_checked_on"] == "2025-02-15"
    assert data["strengths-capacity"] == "1" and data["strengths-domain_social"] == "3"
    data.update({
        "person-first_name": "Berten", "person-postcode": "3000", "person-mobility": "car",
        "daily-languages": ["nl", "en"], "daily-interests": ["sports"], "daily-availability": ["wed_evening"],
        "strengths-domain_social": "2", "strengths-domain_work": "3", "strengths-capacity": "2",
        "strengths-max_travel_km": "12", "strengths-gender_preference": "m",
        "screening-training_date": "2025-10-01", "screening-criminal_record_checked_on": "2025-09-30",
    })
    response = client.post(url, data)
    assert response.status_code == 302
    vol.refresh_from_db()
    assert (vol.first_name, vol.postcode, vol.municipality, vol.mobility) == ("Berten", "3000", "Leuven", "car")
    assert sorted(vol.languages) == ["en", "nl"] and vol.interests == ["sports"] and vol.availability == ["wed_evening"]
    assert vol.strengths == {"social": 2, "work": 3}
    assert (vol.capacity, vol.max_travel_km, vol.gender_preference) == (2, 12, "m")
    assert (vol.training_date, vol.criminal_record_checked_on) == (dt.date(2025, 10, 1), dt.date(2025, 9, 30))
    entry = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Volunteer),
                                    object_pk=str(vol.pk)).order_by("-pk").first()
    assert entry.actor == world.coordinator and "strengths" in entry.changes_dict


def test_the_service_refuses_a_capacity_below_the_open_duos_on_the_page(world: World) -> None:
    vol = f.VolunteerFactory(project=world.project, capacity=2)
    f.DuoFactory(participant=f.ParticipantFactory(project=world.project), volunteer=vol)
    f.DuoFactory(participant=f.ParticipantFactory(project=world.project), volunteer=vol)
    client = _client(world.coordinator)
    url = reverse("web:coordinator-volunteer-edit", args=[vol.pk])
    data = shown_form(client, url)
    data.update({"strengths-capacity": "1", "person-first_name": "Anders"})
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 400
    assert "Deze vrijwilliger heeft 2 lopende duo&#x27;s" in response.content.decode()
    vol.refresh_from_db()
    assert vol.capacity == 2 and vol.first_name != "Anders"


def test_dates_in_the_future_are_refused_as_at_intake(world: World) -> None:
    client = _client(world.coordinator)
    url = reverse("web:coordinator-volunteer-edit", args=[world.volunteer.pk])
    data = shown_form(client, url)
    data["screening-training_date"] = "2026-01-01"
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 400
    assert "Deze datum ligt in de toekomst." in response.content.decode()
    world.volunteer.refresh_from_db()
    assert world.volunteer.training_date == dt.date(2025, 3, 1)


@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 302), ("admin", 302), ("other_coordinator", 404), ("volunteer_user", 403), ("funder_user", 403),
])
def test_only_the_projects_coordinators_may_edit(world: World, role: str, expected: int) -> None:
    client = _client(getattr(world, role))
    for name, key, body in (
        ("web:coordinator-participant-edit", world.participant.pk, participant_edit_body(world)),
        ("web:coordinator-volunteer-edit", world.volunteer.pk, volunteer_edit_body(world)),
    ):
        body["person-first_name"] = "Gewijzigd"
        response = client.post(reverse(name, args=[key]), body)
        assert response.status_code == expected, response.content[:1500]
    world.participant.refresh_from_db()
    world.volunteer.refresh_from_db()
    changed = expected == 302
    assert (world.participant.first_name == "Gewijzigd") is changed
    assert (world.volunteer.first_name == "Gewijzigd") is changed


def test_a_volunteer_takes_a_break_or_stops_on_the_edit_page(world: World) -> None:
    """Issue 17: stopping a volunteer took the back office. On the edit page, through
    volunteer_save: the stopped volunteer's account closes (issue 16's rule)."""
    client = _client(world.coordinator)
    url = reverse("web:coordinator-volunteer-edit", args=[world.volunteer.pk])
    data = shown_form(client, url)
    assert data["status-status"] == "active"

    assert client.post(url, {**data, "status-status": "paused"}).status_code == 302
    world.volunteer.refresh_from_db()
    assert world.volunteer.status == "paused"

    # Their buddy's duo closes first (people/services.py volunteer_stop_check refuses otherwise).
    duo_close(duo=world.duo, by=world.coordinator, reason="volunteer_stopped", next_step="rematch")
    assert client.post(url, {**shown_form(client, url), "status-status": "stopped"}).status_code == 302
    world.volunteer.refresh_from_db()
    world.volunteer_user.refresh_from_db()
    assert world.volunteer.status == "stopped" and not world.volunteer_user.is_active
    assert "Gestopt" in client.get(reverse("web:coordinator-volunteer", args=[world.volunteer.pk])).content.decode()


def test_an_unscreened_volunteer_cannot_be_made_active_on_the_edit_page(world: World) -> None:
    volunteer = f.VolunteerFactory(project=world.project, status="screening", criminal_record_checked_on=None)
    client = _client(world.coordinator)
    url = reverse("web:coordinator-volunteer-edit", args=[volunteer.pk])
    response = client.post(url, {**shown_form(client, url), "status-status": "active"})
    assert response.status_code == 400
    assert "Alleen een vrijwilliger met een volledige en geldige screening" in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.status == "screening"


def test_a_participant_drops_out_on_the_edit_page_but_not_with_an_open_duo(world: World) -> None:
    """A participant with an open duo is matched: dropping out (or waiting again) waits until the
    duo is closed. The rule is participant_status_check, in participant_save: the API says so too."""
    client = _client(world.coordinator)
    url = reverse("web:coordinator-participant-edit", args=[world.participant.pk])
    before = Participant.objects.filter(pk=world.participant.pk).values_list("status", flat=True).get()
    html = client.get(url).content.decode()
    assert 'value="withdrawn"' in html and 'value="closed"' not in html  # closed follows the duo

    response = client.post(url, {**shown_form(client, url), "status-status": "withdrawn"})
    assert response.status_code == 400
    assert "Marieke heeft een lopend duo: sluit eerst het duo af." in response.content.decode()
    assert Participant.objects.get(pk=world.participant.pk).status == before

    from tests.conftest import client_for

    api = client_for(world.coordinator).patch(f"/api/v1/participants/{world.participant.pk}/",
                                              {"status": "withdrawn"}, format="json", HTTP_ACCEPT_LANGUAGE="nl")
    assert api.status_code == 400 and "status" in api.json()
    assert Participant.objects.get(pk=world.participant.pk).status == before

    waiting = f.ParticipantFactory(project=world.project, status="waiting", consent_date=dt.date(2025, 1, 10),
                                   consent_scope="basic")
    url = reverse("web:coordinator-participant-edit", args=[waiting.pk])
    assert client.post(url, {**shown_form(client, url), "status-status": "withdrawn"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "withdrawn"


@pytest.mark.parametrize("status", ["intake", "waiting", "withdrawn", "closed"])
def test_a_participant_with_an_open_duo_keeps_their_status_in_every_channel(world: World, status: str) -> None:
    """participant_status_check holds for the page, the API and the back office (whose form had already put the
    new status on the object, so the service compared it with itself), for every status but matched."""
    from tests.conftest import client_for

    pk = world.participant.pk
    Participant.objects.filter(pk=pk).update(status="matched")  # as the duo services set it
    before = "matched"
    assert world.participant.duos.exclude(status="closed").exists()

    api = client_for(world.coordinator).patch(f"/api/v1/participants/{pk}/", {"status": status}, format="json")
    assert api.status_code == 400 and "status" in api.json()

    admin = _client(world.coordinator)
    form = admin.get(f"/admin/people/participant/{pk}/change/").context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"status": status, "languages": json.dumps(data.get("languages") or []),
                 "interests": json.dumps(data.get("interests") or []),
                 "availability": json.dumps(data.get("availability") or []),
                 "needs": json.dumps(data.get("needs") or {}), "postcode": world.participant.postcode})
    response = admin.post(f"/admin/people/participant/{pk}/change/", data)
    assert response.status_code == 200, response.status_code
    assert "status" in response.context["adminform"].form.errors
    assert Participant.objects.get(pk=pk).status == before
