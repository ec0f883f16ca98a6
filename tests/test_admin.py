"""The admin is usable by a coordinator, limited to their own projects."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from buddynet.records.duos.models import Duo, VolunteerDay
from buddynet.records.people.models import Participant
from tests import factories as f


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_coordinator_sees_only_the_participants_of_their_projects(world):
    response = _client(world.coordinator).get("/admin/people/participant/")
    assert response.status_code == 200
    assert b"Marieke" in response.content
    assert world.other_participant.last_name.encode() not in response.content


@pytest.mark.parametrize("url", ["/admin/people/participant/", "/admin/people/volunteer/", "/admin/duos/duo/",
                                 "/admin/duos/checkin/", "/admin/duos/volunteerday/"])
def test_the_admin_filters_offer_a_coordinator_only_their_own_projects(world, url):
    # A second project of the coordinator, with a row of each kind: a filter with one choice
    # is not shown at all.
    second = f.ProjectFactory(organisation=world.project.organisation, name="Buddy Gent Noord")
    membership_grant(user=world.coordinator, role=Role.COORDINATOR, project=second)
    duo = f.DuoFactory(participant=f.ParticipantFactory(project=second))
    f.CheckInFactory(duo=duo, author=world.coordinator)
    for volunteer in (world.volunteer, world.other_volunteer, duo.volunteer):
        VolunteerDay.objects.create(volunteer=volunteer, date=dt.date(2025, 9, 1))

    response = _client(world.coordinator).get(url)
    assert response.status_code == 200
    choices = {str(spec.title): [c["display"] for c in spec.choices(response.context["cl"])]
               for spec in response.context["cl"].filter_specs}
    projects = [names for title, names in choices.items() if "project" in title.lower()]
    assert projects, choices
    for names in projects:
        assert {world.project.name, second.name} <= set(names)
        assert world.other_project.name not in names
    assert world.other_project.name.encode() not in response.content


def test_a_coordinator_cannot_open_a_participant_of_another_project(world):
    response = _client(world.coordinator).get(f"/admin/people/participant/{world.other_participant.pk}/change/")
    # Django's admin answers an object outside the queryset with a redirect to the index.
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_the_outsider_coordinator_cannot_change_the_owners_duo(world):
    client = _client(world.other_coordinator)
    response = client.post(f"/admin/duos/duo/{world.duo.pk}/change/", {"next_meeting_on": "2025-12-01"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    world.duo.refresh_from_db()
    assert world.duo.next_meeting_on is None


@pytest.mark.parametrize("who", ["volunteer_user", "funder_user"])
def test_volunteers_and_funders_do_not_get_into_the_admin(world, who):
    response = _client(getattr(world, who)).get("/admin/people/participant/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", ["/admin/accounts/user/", "/admin/accounts/membership/", "/admin/people/funder/"])
def test_a_coordinator_cannot_manage_users_memberships_or_funders(world, url):
    assert _client(world.coordinator).get(url).status_code == 403
    assert _client(world.admin).get(url).status_code == 200


def _participant_form(project, **overrides):
    data = {
        "project": project.pk, "first_name": "Fatima", "last_name": "El Amrani", "status": "intake",
        "email": "", "phone": "", "birth_year": "1980", "gender": "f", "postcode": "9000",
        "mobility": "public_transport", "languages": '["nl", "ar"]', "interests": '["cooking"]',
        "availability": '["mon_morning"]', "gender_preference": "f", "preferred_age_min": "",
        "preferred_age_max": "", "referred_by": "OCMW", "waiting_since": "", "needs": '{"social": 3}',
        "notes": "", "consent_date": "", "consent_scope": "",
    }
    data.update(overrides)
    return data


def test_a_coordinator_adds_a_participant_and_the_postcode_is_resolved(world):
    response = _client(world.coordinator).post("/admin/people/participant/add/", _participant_form(world.project))
    assert response.status_code == 302, response.content.decode()[:3000]
    participant = Participant.objects.get(last_name="El Amrani")
    assert participant.municipality == "Gent" and participant.latitude == pytest.approx(51.04, abs=0.01)


@pytest.mark.parametrize(
    ("field", "value"),
    [("postcode", "0000"), ("languages", '["klingon"]'), ("availability", '["mon_night"]'), ("needs", '{"social": 7}')],
)
def test_bad_intake_input_in_the_admin_is_refused_and_nothing_saved(world, field, value):
    before = Participant.objects.count()
    response = _client(world.coordinator).post(
        "/admin/people/participant/add/", _participant_form(world.project, **{field: value})
    )
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors.get(field)
    assert Participant.objects.count() == before


def test_a_coordinator_cannot_add_a_participant_to_another_project(world):
    before = Participant.objects.count()
    response = _client(world.coordinator).post(
        "/admin/people/participant/add/", _participant_form(world.other_project)
    )
    assert response.status_code == 200
    assert "project" in response.context["adminform"].form.errors
    assert Participant.objects.count() == before


def test_the_admin_refuses_a_duo_for_a_volunteer_at_capacity(world):
    participant = f.ParticipantFactory(project=world.project)
    response = _client(world.coordinator).post(
        "/admin/duos/duo/add/",
        {"volunteer": world.volunteer.pk, "participant": participant.pk, "proposed_on": "2025-09-01",
         "goals-TOTAL_FORMS": "0", "goals-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not Duo.objects.filter(participant=participant).exists()


def test_the_admin_speaks_dutch_by_default_and_english_on_request(world):
    client = _client(world.coordinator)
    dutch = client.get("/admin/")
    assert 'lang="nl-be"' in dutch.content.decode()
    english = client.get("/admin/", headers={"accept-language": "en"})
    assert 'lang="en"' in english.content.decode()


def _change_form_data(response) -> dict[str, str]:
    """The values a browser would post back from an admin change form, unchanged."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else str(value)
    return data


def test_the_admin_refuses_a_volunteer_capacity_below_their_open_duos(world):
    volunteer = f.VolunteerFactory(project=world.project, capacity=2)
    for _ in range(2):
        f.DuoFactory(participant=f.ParticipantFactory(project=world.project), volunteer=volunteer)
    client = _client(world.coordinator)
    url = f"/admin/people/volunteer/{volunteer.pk}/change/"
    data = _change_form_data(client.get(url))

    response = client.post(url, {**data, "capacity": "1"})

    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors["capacity"] == [
        "Deze vrijwilliger heeft 2 lopende duo's; de capaciteit kan niet lager zijn dan dat."]
    volunteer.refresh_from_db()
    assert volunteer.capacity == 2


def test_the_admin_lowers_a_volunteer_capacity_to_their_open_duos(world):
    volunteer = f.VolunteerFactory(project=world.project, capacity=3)
    for _ in range(2):
        f.DuoFactory(participant=f.ParticipantFactory(project=world.project), volunteer=volunteer)
    client = _client(world.coordinator)
    url = f"/admin/people/volunteer/{volunteer.pk}/change/"
    data = _change_form_data(client.get(url))

    response = client.post(url, {**data, "capacity": "2"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    volunteer.refresh_from_db()
    assert volunteer.capacity == 2
