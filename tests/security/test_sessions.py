"""Session timeouts per role: office roles get a short idle timeout, volunteers a long session."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from buddynet.security.sessions import OFFICE, POLICY_KEY, VOLUNTEER

pytestmark = pytest.mark.session_timeouts

ME = "/api/v1/me/"


def _signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ok(client: Client) -> bool:
    status = client.get(ME).status_code
    assert status in {200, 401, 403}
    return status == 200


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize("who", ["coordinator", "admin", "funder_user"])
def test_an_office_session_ends_after_thirty_idle_minutes(world, clock, who):
    client = _signed_in_client(getattr(world, who))
    assert client.session[POLICY_KEY] == OFFICE
    clock.shift(timedelta(minutes=29))
    assert _ok(client)
    clock.shift(timedelta(minutes=29))  # activity slid the window
    assert _ok(client)
    clock.shift(timedelta(minutes=31))
    assert not _ok(client)
    assert "_auth_user_id" not in client.session
    assert not _ok(client)  # and it stays signed out


def test_an_office_session_ends_after_twelve_hours_however_active(world, clock):
    client = _signed_in_client(world.coordinator)
    for _ in range(35):  # 35 × 20 min = 11 h 40 min
        clock.shift(timedelta(minutes=20))
        assert _ok(client)
    clock.shift(timedelta(minutes=21))
    assert not _ok(client)


def _volunteer_on_own_phone(world, *, remember: bool = True) -> Client:
    """The volunteer signs in on the real page, "keep me signed in on this phone" (un)ticked."""
    world.volunteer_user.set_password("een lange zin als wachtwoord")
    world.volunteer_user.save()
    client = Client()
    form = {"username": world.volunteer_user.email, "password": "een lange zin als wachtwoord"}
    if remember:
        form["remember"] = "on"
    assert client.post("/aanmelden/", form).status_code == 302
    return client


def test_a_volunteer_stays_signed_in_for_four_idle_weeks(world, clock):
    client = _volunteer_on_own_phone(world)
    assert client.session[POLICY_KEY] == VOLUNTEER
    clock.shift(timedelta(days=29, hours=23))
    assert _ok(client)
    clock.shift(timedelta(days=30, minutes=1))
    assert not _ok(client)


def test_a_volunteer_session_ends_after_ninety_days_however_active(world, clock):
    client = _volunteer_on_own_phone(world)
    for _ in range(89):
        clock.shift(timedelta(days=1))
        assert _ok(client)
    clock.shift(timedelta(days=1, minutes=1))
    assert not _ok(client)


def test_unticked_the_cookie_ends_with_the_browser_and_the_idle_limit_still_holds(world, clock):
    client = _volunteer_on_own_phone(world, remember=False)
    assert client.session.get_expire_at_browser_close()
    clock.shift(timedelta(minutes=2))
    assert _ok(client)
    assert client.session.get_expire_at_browser_close()  # the middleware keeps the choice
    clock.shift(timedelta(days=30, minutes=1))
    assert not _ok(client)


def test_a_volunteer_who_also_coordinates_gets_the_office_timeout(world, clock):
    membership_grant(user=world.volunteer_user, role=Role.COORDINATOR, project=world.other_project)
    client = _signed_in_client(world.volunteer_user)
    assert client.session[POLICY_KEY] == OFFICE
    clock.shift(timedelta(minutes=31))
    assert not _ok(client)


def test_the_cookie_and_the_stored_session_expire_with_the_idle_timeout(world, clock):
    office = _signed_in_client(world.coordinator)
    assert office.session.get_expiry_age() == 30 * 60
    volunteer = _volunteer_on_own_phone(world)
    assert volunteer.session.get_expiry_age() == 30 * 24 * 60 * 60
    clock.shift(timedelta(minutes=2))
    assert _ok(volunteer)  # slides the window: the cookie is sent again with the idle age
    assert volunteer.cookies["sessionid"]["max-age"] == 30 * 24 * 60 * 60


def test_the_timeouts_come_from_settings(world, clock, settings):
    settings.BUDDYNET_SESSION_POLICY = {"office": (5 * 60, 60 * 60), "volunteer": (10 * 60, 60 * 60)}
    client = _signed_in_client(world.coordinator)
    clock.shift(timedelta(minutes=4))
    assert _ok(client)
    clock.shift(timedelta(minutes=6))
    assert not _ok(client)


def test_a_session_from_before_the_policy_is_classified_on_its_next_request(world, clock):
    client = _signed_in_client(world.coordinator)
    session = client.session
    del session[POLICY_KEY]
    session.save()
    assert _ok(client)
    assert client.session[POLICY_KEY] == OFFICE


def test_an_empty_policy_switches_the_timeouts_off(world, clock, settings):
    settings.BUDDYNET_SESSION_POLICY = {}
    client = _signed_in_client(world.coordinator)
    assert POLICY_KEY not in client.session
    clock.shift(timedelta(hours=2))  # past the office idle timeout, within SESSION_COOKIE_AGE (8 h)
    assert _ok(client)


def test_a_volunteer_phone_session_given_an_office_role_gets_the_office_limits(world, clock):
    """Issue 21 item 1: the limits follow the current roles; a long phone session does not keep
    its 30-day idle limit once the account has an office role."""
    client = _volunteer_on_own_phone(world)
    clock.shift(timedelta(hours=2))
    assert _ok(client)
    assert client.session[POLICY_KEY] == VOLUNTEER
    membership_grant(user=world.volunteer_user, role=Role.COORDINATOR, project=world.other_project)
    clock.shift(timedelta(minutes=31))  # idle longer than an office session may be
    assert not _ok(client)
    assert "_auth_user_id" not in client.session


def test_a_phone_session_older_than_a_working_day_ends_when_an_office_role_is_given(world, clock):
    client = _volunteer_on_own_phone(world)
    for _ in range(20):  # active for 20 days
        clock.shift(timedelta(days=1))
        assert _ok(client)
    membership_grant(user=world.volunteer_user, role=Role.COORDINATOR, project=world.other_project)
    assert not _ok(client)
