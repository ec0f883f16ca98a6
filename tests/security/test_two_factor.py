"""Two-factor sign-in (django-otp): required for administrators, coordinators and funder
viewers after the password, not for volunteers; enrolment, backup codes, throttling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD
from tests.two_factor import confirmed_device, force_login_verified, totp_code

pytestmark = pytest.mark.two_factor

OFFICE = ["admin", "coordinator", "funder_user"]


def _sign_in(client: Client, user, url: str = "/aanmelden/", next_url: str = ""):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(url, data)


def _user(world, who):
    return getattr(world, who)


@pytest.mark.parametrize("who", OFFICE)
def test_an_office_role_without_a_device_is_sent_to_enrol_and_reaches_nothing_before(world, who):
    client = Client()
    response = _sign_in(client, _user(world, who))
    assert response.status_code == 302
    # Every page with data sends to the two-factor step, which sends to enrolment.
    for path in ["/", "/coordinator/", "/financiering/", "/admin/"]:
        page = client.get(path)
        assert page.status_code == 302, path
        assert page["Location"].startswith("/aanmelden/tweestaps/?next="), (path, page["Location"])
    step = client.get("/aanmelden/tweestaps/?next=/coordinator/")
    assert step.status_code == 302 and step["Location"].startswith("/aanmelden/tweestaps/instellen/")
    # The API answers 403 with a message (Dutch by default).
    api = client.get("/api/v1/participants/")
    assert api.status_code == 403
    assert "Tweestapsaanmelding vereist" in api.json()["detail"]
    assert client.get(f"/api/v1/participants/{world.participant.pk}/").status_code == 403
    assert client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en").json()["detail"].startswith(
        "Two-factor authentication required")


@pytest.mark.parametrize("who", ["volunteer_user"])
def test_a_volunteer_is_not_asked_for_a_code(world, who):
    client = Client()
    _sign_in(client, _user(world, who))
    assert client.get("/mijn/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("who", OFFICE)
def test_enrolment_shows_a_server_drawn_qr_code_confirms_a_code_and_gives_backup_codes_once(world, who):
    user = _user(world, who)
    client = Client()
    _sign_in(client, user)
    page = client.get("/aanmelden/tweestaps/instellen/?next=/api/v1/me/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "<script" not in html.split("<main", 1)[1]
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    # Reloading keeps the same key (the phone already scanned it).
    client.get("/aanmelden/tweestaps/instellen/")
    assert TOTPDevice.objects.filter(user=user).count() == 1

    wrong = client.post("/aanmelden/tweestaps/instellen/", {"code": "000000"})
    if wrong.status_code == 400:  # (one in a million: 000000 is the right code)
        assert "klopt niet" in wrong.content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=10), tick=False):
        done = client.post("/aanmelden/tweestaps/instellen/", {"code": totp_code(device), "next": "/api/v1/me/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/api/v1/me/").status_code == 200
    # Once enrolled, enrolment is closed: no second device by revisiting the page.
    client.get("/aanmelden/tweestaps/instellen/")
    assert TOTPDevice.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("who", OFFICE)
def test_with_a_device_a_code_from_the_app_opens_the_session(world, who):
    user = _user(world, who)
    device = confirmed_device(user)
    client = Client()
    response = _sign_in(client, user, next_url="/api/v1/me/")
    assert client.get("/api/v1/me/").status_code == 403
    step = client.get("/aanmelden/tweestaps/?next=/api/v1/me/")
    assert step.status_code == 200 and "Aanmelden in twee stappen" in step.content.decode()
    response = client.post("/aanmelden/tweestaps/", {"code": totp_code(device), "next": "/api/v1/me/"})
    assert response.status_code == 302 and response["Location"] == "/api/v1/me/"
    assert client.get("/api/v1/me/").status_code == 200


def test_admin_login_also_needs_the_code(world):
    world.admin.is_staff = True
    world.admin.save()
    device = confirmed_device(world.admin)
    client = Client()
    response = _sign_in(client, world.admin, url="/admin/login/?next=/admin/")
    assert response.status_code == 302
    admin = client.get("/admin/")
    assert admin.status_code == 302 and admin["Location"].startswith("/aanmelden/tweestaps/")
    client.post("/aanmelden/tweestaps/", {"code": totp_code(device)})
    assert client.get("/admin/").status_code == 200


def test_a_backup_code_works_once(world):
    user = world.coordinator
    first = Client()
    force_login_verified(first, user)
    replaced = first.post("/aanmelden/tweestaps/reservecodes/")
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", replaced.content.decode())
    assert len(codes) == 10

    second = Client()
    _sign_in(second, user)
    assert second.post("/aanmelden/tweestaps/", {"code": codes[0].upper()}).status_code == 302
    assert second.get("/api/v1/me/").status_code == 200

    third = Client()
    _sign_in(third, user)
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        again = third.post("/aanmelden/tweestaps/", {"code": codes[0]})
        assert again.status_code == 400
        assert third.get("/api/v1/me/").status_code == 403
    assert not StaticToken.objects.filter(token=codes[0]).exists()


def test_wrong_codes_are_throttled_even_the_right_code_waits(world):
    user = world.funder_user
    device = confirmed_device(user)
    client = Client()
    _sign_in(client, user)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        first = client.post("/aanmelden/tweestaps/", {"code": "12345678"})
        assert first.status_code == 400
        # After a failure the device waits (2 s × 2^(failures-1)); tries meanwhile count for nothing.
        for _ in range(2):
            assert client.post("/aanmelden/tweestaps/", {"code": "12345678"}).status_code == 429
        refused = client.post("/aanmelden/tweestaps/", {"code": totp_code(device, at=start.timestamp())})
        assert refused.status_code == 429
        assert "Te veel foute codes" in refused.content.decode()
        assert client.get("/api/v1/me/").status_code == 403
        clock.shift(timedelta(seconds=3))
        later = (start + timedelta(seconds=3)).timestamp()
        ok = client.post("/aanmelden/tweestaps/", {"code": totp_code(device, at=later)})
        assert ok.status_code == 302
    assert client.get("/api/v1/me/").status_code == 200


def test_the_two_factor_step_and_sign_out_stay_reachable(world):
    client = Client()
    _sign_in(client, world.coordinator)
    assert client.get("/aanmelden/tweestaps/instellen/").status_code == 200
    assert client.get("/api/schema/").status_code == 200
    assert client.post("/afmelden/").status_code in (200, 302)
    assert "_auth_user_id" not in client.session


def test_switched_off_outside_two_factor_tests(world, settings):
    settings.BUDDYNET_TWO_FACTOR_REQUIRED = False
    client = Client()
    client.force_login(world.coordinator)
    assert client.get("/api/v1/me/").status_code == 200


def test_a_volunteer_session_given_an_office_role_must_confirm_a_code_first(world):
    """Issue 21 item 1: the requirement follows the user's current roles, not the sign-in."""
    from buddynet.records.accounts.models import Role
    from buddynet.records.accounts.services import membership_grant

    user = world.volunteer_user
    client = Client()
    assert _sign_in(client, user).status_code == 302
    assert client.get("/api/v1/me/").status_code == 200  # a volunteer: no code asked
    membership_grant(user=user, role=Role.COORDINATOR, project=world.project)
    assert client.get("/api/v1/me/").status_code == 403
    page = client.get("/coordinator/")
    assert page.status_code == 302 and page["Location"].startswith("/aanmelden/tweestaps")
    device = confirmed_device(user)
    before = client.session.session_key
    response = client.post("/aanmelden/tweestaps/", {"code": totp_code(device), "next": "/coordinator/"})
    assert response.status_code == 302 and response["Location"] == "/coordinator/"
    assert client.session.session_key != before  # rotated when the second factor was given
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/coordinator/").status_code in {200, 302}  # its start page (or the project's)
    assert not client.get("/coordinator/", follow=True).redirect_chain[-1][0].startswith("/aanmelden")
