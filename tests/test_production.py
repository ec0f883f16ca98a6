"""Production apart from the demo (issue 14, item 1): SECURE=true refuses unsafe settings at start,
the demo refuses production, and `manage.py first_admin` sets a database up with a one-time link."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.test import Client

from buddynet.demo import data as demo
from buddynet.deployment.models import ProductionMarker
from buddynet.production import Configuration, production_problems
from buddynet.records.accounts.models import Membership, Role, User
from buddynet.records.people.models import Organisation
from tests.integration.processes import REPO, VENV_BIN

GOOD_KEY = secrets.token_urlsafe(50)
FERNET_KEY = Fernet.generate_key().decode()

# Variables of the test process that would leak into a "production" start.
DROPPED = {"DEBUG", "SECURE", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "ALLOW_EMBEDDED_IN_PRODUCTION", "DATABASE_URL",
           "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE", "ALLOWED_HOSTS"}


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env.update(
        DJANGO_SETTINGS_MODULE="buddynet.settings", BUDDYNET_VAR_DIR=str(tmp_path / "var"),
        SECURE="true", DEBUG="false", ALLOWED_HOSTS="buddy.example.be", SECRET_KEY=GOOD_KEY,
        FIELD_ENCRYPTION_KEYS=FERNET_KEY, ALLOW_EMBEDDED_IN_PRODUCTION="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    env.update(values)
    return {k: v for k, v in env.items() if v != "<unset>"}


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)


# --- SECURE=true refuses each unsafe configuration, in a real process ----------------------------
UNSAFE = {
    "missing SECRET_KEY": ({"SECRET_KEY": "<unset>"}, "SECRET_KEY is not set"),
    "weak SECRET_KEY": ({"SECRET_KEY": "django-insecure-" + "x" * 40}, "SECRET_KEY is too weak"),
    "missing FIELD_ENCRYPTION_KEYS": ({"FIELD_ENCRYPTION_KEYS": "<unset>"}, "FIELD_ENCRYPTION_KEYS is not set"),
    "DEBUG": ({"DEBUG": "true"}, "DEBUG is true"),
    "placeholders of the env example": ({"HEALTH_TOKEN": "change-me-to-a-random-token"},
                                        "HEALTH_TOKEN still holds the placeholder of deploy/buddynet.env.example"),
    "embedded SQLite": ({"ALLOW_EMBEDDED_IN_PRODUCTION": "<unset>", "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"},
                        "DATABASE_URL is the embedded SQLite database"),
    "filesystem broker": ({"ALLOW_EMBEDDED_IN_PRODUCTION": "<unset>",
                           "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none"},
                          "CELERY_BROKER_URL is the embedded filesystem broker"),
}


@pytest.mark.parametrize("case", list(UNSAFE))
def test_secure_refuses_to_start_on_each_unsafe_setting(tmp_path, case):
    values, message = UNSAFE[case]
    result = _check(_env(tmp_path, **values))
    assert result.returncode != 0, result.stdout
    assert "SECURE=true (production) refuses to start" in result.stderr
    assert message in result.stderr, result.stderr[-2000:]


def test_secure_refuses_the_key_generated_for_the_demo(tmp_path):
    # The demo start (no SECRET_KEY, no SECURE) writes var/secret_key; reusing it in production is refused.
    assert _check(_env(tmp_path, SECURE="false", SECRET_KEY="<unset>")).returncode == 0
    generated = (tmp_path / "var" / "secret_key").read_text().strip()
    result = _check(_env(tmp_path, SECRET_KEY=generated))
    assert result.returncode != 0
    assert "SECRET_KEY is the key generated into var/secret_key" in result.stderr


def test_secure_starts_with_safe_settings_and_without_secure_nothing_is_refused(tmp_path):
    safe = _check(_env(tmp_path))
    assert safe.returncode == 0, safe.stderr
    assert "System check identified no issues" in safe.stdout
    demo_like = _check(_env(tmp_path, SECURE="<unset>", SECRET_KEY="<unset>", FIELD_ENCRYPTION_KEYS="<unset>",
                            ALLOW_EMBEDDED_IN_PRODUCTION="<unset>", DEBUG="true"))
    assert demo_like.returncode == 0, demo_like.stderr


@pytest.mark.slow
@pytest.mark.parametrize("process", ["worker", "beat", "web"])
def test_every_process_of_the_procfile_refuses_an_unsafe_start(tmp_path, process):
    """Not only manage.py: gunicorn and Celery load the same settings and stop before serving."""
    argv = {
        "worker": [str(VENV_BIN / "celery"), "-A", "buddynet", "worker", "--pool", "solo"],
        "beat": [str(VENV_BIN / "celery"), "-A", "buddynet", "beat"],
        "web": [str(VENV_BIN / "gunicorn"), "buddynet.wsgi:application", "--bind", "127.0.0.1:0", "--workers", "1",
                "--no-control-socket"],
    }[process]
    env = _env(tmp_path, FIELD_ENCRYPTION_KEYS="<unset>", CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    result = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is not set" in result.stdout + result.stderr


def _config(**changes: object) -> Configuration:
    values: dict[str, object] = {
        "secret_key": GOOD_KEY, "secret_key_from_env": True, "generated_secret_key": None,
        "field_encryption_keys": [FERNET_KEY], "debug": False, "database_engine": "django.db.backends.postgresql",
        "broker_url": "redis://r:6379/0", "allow_embedded": False,
    }
    values.update(changes)
    return Configuration(**values)  # type: ignore[arg-type]


def test_the_rules_list_every_problem_at_once_so_one_start_tells_all():
    assert production_problems(_config()) == []
    problems = production_problems(_config(
        secret_key_from_env=False, field_encryption_keys=[], debug=True,
        database_engine="django.db.backends.sqlite3", broker_url="filesystem://",
    ))
    assert len(problems) == 5
    assert production_problems(_config(database_engine="django.db.backends.sqlite3", broker_url="filesystem://",
                                       allow_embedded=True)) == []
    assert production_problems(_config(secret_key="aaaaa" * 20))[0].startswith("SECRET_KEY is too weak")


def test_every_secret_left_as_the_env_examples_placeholder_is_refused():
    """Copied from deploy/buddynet.env.example and not edited: SECRET_KEY's placeholder is long and
    varied enough for the weak-key rule, so without this rule production ran on a published key."""
    example = dict(line.split("=", 1) for line in (REPO / "deploy" / "buddynet.env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    example = {name: value.strip("'") for name, value in example.items()}
    assert len(example["SECRET_KEY"]) >= 50 and not example["SECRET_KEY"].startswith("django-insecure-")
    problems = production_problems(_config(secret_key=example["SECRET_KEY"], other_secrets={
        "HEALTH_TOKEN": example["HEALTH_TOKEN"], "EMAIL_HOST_PASSWORD": example["EMAIL_HOST_PASSWORD"]}))
    assert [p.split(" ", 1)[0] for p in problems] == ["SECRET_KEY", "HEALTH_TOKEN", "EMAIL_HOST_PASSWORD"]
    assert all("placeholder of deploy/buddynet.env.example" in p for p in problems)
    # The example's FIELD_ENCRYPTION_KEYS placeholder is no Fernet key: settings refuse it in any mode.
    with pytest.raises(ValueError):
        Fernet(example["FIELD_ENCRYPTION_KEYS"])
    # Real values pass.
    assert production_problems(_config(other_secrets={"HEALTH_TOKEN": secrets.token_urlsafe(32),
                                                      "EMAIL_HOST_PASSWORD": "Zomer2026!"})) == []


# --- The demo refuses production ------------------------------------------------------------------
@pytest.mark.django_db
def test_demo_refuses_when_secure(settings):
    settings.SECURE = True
    with pytest.raises(CommandError, match="SECURE=true means production"):
        call_command("demo", stdout=StringIO())
    assert not demo.demo_users().exists()
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_demo_refuses_a_database_set_up_for_production():
    call_command("first_admin", "beheer@ocmw.example.be", stdout=StringIO())
    users_before = User.objects.count()
    with pytest.raises(CommandError, match="this database was set up for production"):
        call_command("demo", stdout=StringIO())
    # The service itself refuses too (benchmarks and tests call demo.build directly).
    with pytest.raises(demo.DemoRefused):
        demo.build()
    assert User.objects.count() == users_before
    assert not Organisation.objects.exists()


# --- The first administrator ----------------------------------------------------------------------
def _first_admin(email: str = "beheer@ocmw.example.be") -> str:
    out = StringIO()
    call_command("first_admin", email, "--name", "An Beheer", stdout=out)
    link = out.getvalue().strip().splitlines()[-1]
    assert re.fullmatch(r"https?://\S+/aanmelden/welkom/\S+/\S+/", link), out.getvalue()
    return link


@pytest.mark.django_db
@pytest.mark.two_factor
def test_first_admin_prints_a_one_time_link_then_the_second_factor_is_set_at_first_sign_in(settings):
    settings.NOTIFICATIONS_BASE_URL = "https://buddy.example.be"
    link = _first_admin()
    assert link.startswith("https://buddy.example.be/aanmelden/welkom/")
    assert ProductionMarker.objects.count() == 1
    admin = User.objects.get(email="beheer@ocmw.example.be")
    assert admin.is_superuser and admin.is_staff and not admin.has_usable_password()
    assert Membership.objects.filter(user=admin, role=Role.ADMINISTRATOR).exists()

    path = link.removeprefix("https://buddy.example.be")
    client = Client()
    form = client.get(path, follow=True)
    assert form.status_code == 200
    assert 'name="new_password1"' in form.content.decode()
    set_password_url = form.redirect_chain[-1][0]
    weak = client.post(set_password_url, {"new_password1": "abc", "new_password2": "abc"})
    assert weak.status_code == 200 and 'role="alert"' in weak.content.decode()
    admin.refresh_from_db()
    assert not admin.has_usable_password()  # nothing half-saved
    password = "lang-en-geheim-wachtwoord-2026"
    done = client.post(set_password_url, {"new_password1": password, "new_password2": password})
    assert done.status_code == 302 and done["Location"] == "/aanmelden/welkom/klaar/"

    # The link works once.
    again = Client().get(path, follow=True)
    assert 'name="new_password1"' not in again.content.decode()
    assert "niet meer geldig" in again.content.decode()

    # Signing in leads to the two-factor enrolment (the existing TOTP flow), not into the admin.
    signed_in = client.post("/aanmelden/", {"username": admin.email, "password": password})
    assert signed_in.status_code == 302
    page = client.get("/admin/")
    assert page.status_code == 302 and page["Location"].startswith("/aanmelden/tweestaps/")
    assert client.get("/aanmelden/tweestaps/").headers["Location"].startswith("/aanmelden/tweestaps/instellen/")


@pytest.mark.django_db
def test_first_admin_again_for_the_same_address_gives_a_fresh_link_but_refuses_a_second_admin():
    _first_admin()
    _first_admin()  # the first link may have expired before it was used
    assert User.objects.filter(email="beheer@ocmw.example.be").count() == 1
    with pytest.raises(CommandError, match="already has an administrator"):
        call_command("first_admin", "tweede@ocmw.example.be", stdout=StringIO())
    assert not User.objects.filter(email="tweede@ocmw.example.be").exists()


@pytest.mark.django_db
def test_first_admin_refuses_a_database_holding_the_demo():
    User.objects.create_user(f"admin@{demo.DOMAIN}", "buddy-demo-2026", is_superuser=True)
    with pytest.raises(CommandError, match="demo --remove"):
        call_command("first_admin", "beheer@ocmw.example.be", stdout=StringIO())
    assert not ProductionMarker.objects.exists()
    assert not User.objects.filter(email="beheer@ocmw.example.be").exists()


@pytest.mark.django_db
def test_first_admin_without_secure_warns_and_names_the_database_it_sets_up(settings):
    """Run bare on a server (no production settings loaded), it would set up the checkout's SQLite
    file; the warning says so, naming the database. With SECURE=true it says nothing."""
    from django.db import connection

    settings.SECURE = False
    err = StringIO()
    call_command("first_admin", "beheer@ocmw.example.be", stdout=StringIO(), stderr=err)
    assert "SECURE is not true" in err.getvalue()
    assert f"{connection.vendor} {connection.settings_dict['NAME']}" in err.getvalue()
    assert "buddynet-manage" in err.getvalue()

    settings.SECURE = True
    err = StringIO()
    call_command("first_admin", "beheer@ocmw.example.be", stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""
