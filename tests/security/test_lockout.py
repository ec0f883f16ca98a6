"""Brute-force lockout (django-axes) on the real sign-in pages, with cool-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests import factories as f

PASSWORD = "een lang genoeg wachtwoord"


@pytest.fixture
def bob(db):
    user = f.UserFactory(email="bob@example.be")
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(client: Client, email: str, password: str, url: str = "/aanmelden/"):
    return client.post(url, {"username": email, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_defaults_are_five_failures_and_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_the_sign_in_page_locks_after_the_configured_failures_and_unlocks_after_the_cool_off(bob, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=10)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(2):
            response = _sign_in(client, "bob@example.be", "wrong password")
            assert response.status_code == 200  # the form again, with its error
        third = _sign_in(client, "bob@example.be", "wrong password")
        assert third.status_code == 429
        # Locked: even the right password is refused, and nothing signs in.
        locked = _sign_in(client, "bob@example.be", PASSWORD)
        assert locked.status_code == 429
        assert not _signed_in(client)
        assert "tijdelijk geblokkeerd" in locked.content.decode()
        assert "10 minuten" in locked.content.decode()

        clock.shift(timedelta(minutes=9))
        assert _sign_in(client, "bob@example.be", PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=11))
        response = _sign_in(client, "bob@example.be", PASSWORD)
        assert response.status_code == 302
        assert _signed_in(client)


def test_the_count_ignores_the_case_of_the_address(bob, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for email in ("bob@example.be", "BOB@example.be", " Bob@Example.be "):
        _sign_in(client, email, "wrong password")
    assert _sign_in(client, "bob@example.be", PASSWORD).status_code == 429
    assert AccessAttempt.objects.get().username == "bob@example.be"


def test_one_locked_account_does_not_lock_another(bob, settings):
    settings.AXES_FAILURE_LIMIT = 2
    alice = f.UserFactory(email="alice@example.be")
    alice.set_password(PASSWORD)
    alice.save()
    client = Client()
    for _ in range(2):
        _sign_in(client, "bob@example.be", "wrong password")
    assert _sign_in(client, "bob@example.be", PASSWORD).status_code == 429
    assert _sign_in(Client(), "alice@example.be", PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(bob, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(2):
        _sign_in(client, "bob@example.be", "wrong password")
    assert _sign_in(client, "bob@example.be", PASSWORD).status_code == 302
    fresh = Client()
    for _ in range(2):
        _sign_in(fresh, "bob@example.be", "wrong password")
    assert _sign_in(fresh, "bob@example.be", PASSWORD).status_code == 302


def test_the_admin_login_locks_out_as_well(bob, settings):
    settings.AXES_FAILURE_LIMIT = 2
    bob.is_staff = True
    bob.save()
    client = Client()
    for _ in range(2):
        _sign_in(client, "bob@example.be", "wrong password", url="/admin/login/")
    response = _sign_in(client, "bob@example.be", PASSWORD, url="/admin/login/")
    assert response.status_code == 429
    assert not _signed_in(client)


def test_failures_on_the_admin_and_the_sign_in_page_add_up(bob, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    _sign_in(client, "bob@example.be", "wrong password", url="/admin/login/")
    _sign_in(client, "bob@example.be", "wrong password")
    assert _sign_in(client, "bob@example.be", PASSWORD).status_code == 429


def test_the_test_clients_login_still_works_without_a_request(bob):
    # Client.login() calls authenticate() without a request; RequestAxesBackend lets that pass
    # to ModelBackend (see buddynet/security/axes.py). Sign-ins over HTTP are counted above.
    client = Client()
    assert client.login(username="bob@example.be", password=PASSWORD)
    assert not Client().login(username="bob@example.be", password="wrong password")
    assert AccessAttempt.objects.count() == 0


# --- Password spraying: failures from one address across accounts (issue 21, item 8) -----------
def _spray(client: Client, count: int, **extra) -> None:
    for n in range(count):
        response = client.post("/aanmelden/", {"username": f"guess{n}@example.be", "password": "Zomer2026!"}, **extra)
        assert response.status_code == 200  # each account once: no per-account lock


def test_failures_across_accounts_from_one_address_lock_that_address(bob, settings):
    settings.AXES_IP_FAILURE_LIMIT = 8
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _spray(Client(REMOTE_ADDR="198.51.100.7"), 8)
        # Now even bob's right password is refused from that address ...
        sprayer = Client(REMOTE_ADDR="198.51.100.7")
        locked = _sign_in(sprayer, "bob@example.be", PASSWORD)
        assert locked.status_code == 429 and not _signed_in(sprayer)
        # ... while bob signs in from elsewhere, and his own count was never touched.
        elsewhere = Client(REMOTE_ADDR="203.0.113.9")
        assert _sign_in(elsewhere, "bob@example.be", PASSWORD).status_code == 302
        # After the cool-off the address may try again.
        clock.shift(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
        again = Client(REMOTE_ADDR="198.51.100.7")
        assert _sign_in(again, "bob@example.be", PASSWORD).status_code == 302


def test_the_admin_login_counts_towards_the_same_address_limit(bob, settings):
    settings.AXES_IP_FAILURE_LIMIT = 4
    client = Client(REMOTE_ADDR="198.51.100.8")
    for n in range(4):
        client.post("/admin/login/", {"username": f"guess{n}@example.be", "password": "Zomer2026!"})
    assert _sign_in(client, "bob@example.be", PASSWORD).status_code == 429


def test_a_forwarded_for_header_does_not_escape_the_count_without_a_trusted_proxy(bob, settings):
    settings.AXES_IP_FAILURE_LIMIT = 5
    settings.AUDIT_TRUST_X_FORWARDED_FOR = False
    client = Client(REMOTE_ADDR="198.51.100.9")
    for n in range(5):
        client.post("/aanmelden/", {"username": f"guess{n}@example.be", "password": "x" * 12},
                    HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert client.post("/aanmelden/", {"username": "bob@example.be", "password": PASSWORD},
                       HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(bob, settings):
    settings.AXES_IP_FAILURE_LIMIT = 5
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for n in range(5):
        proxy.post("/aanmelden/", {"username": f"guess{n}@example.be", "password": "x" * 12},
                   HTTP_X_FORWARDED_FOR="198.51.100.10")
    assert proxy.post("/aanmelden/", {"username": "bob@example.be", "password": PASSWORD},
                      HTTP_X_FORWARDED_FOR="198.51.100.10").status_code == 429
    colleague = Client(REMOTE_ADDR="10.0.0.1")
    assert colleague.post("/aanmelden/", {"username": "bob@example.be", "password": PASSWORD},
                          HTTP_X_FORWARDED_FOR="198.51.100.11").status_code == 302


def test_the_address_limit_defaults_far_above_the_account_limit():
    assert settings.AXES_IP_FAILURE_LIMIT == 30 > settings.AXES_FAILURE_LIMIT
