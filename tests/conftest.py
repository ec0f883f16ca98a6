"""Shared fixtures: a small world with every role, as healthchecks' alice/bob/charlie.

- `world.project` is coordinated by `world.coordinator` (alice: the owner);
- `world.volunteer_user` is the volunteer of `world.duo` in that project (bob: narrower role);
- `world.other_coordinator` coordinates `world.other_project` only (charlie: outsider → 404);
- `world.funder_user` views `world.funder`; `world.admin` administers the platform, with support
  access to both organisations (so it reads their participants too).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from buddynet.records.accounts.models import Role, SupportAccess
from buddynet.records.accounts.services import membership_grant
from tests import factories as f

FAR_FUTURE = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)


@dataclass
class World:
    admin: Any
    coordinator: Any
    other_coordinator: Any
    volunteer_user: Any
    other_volunteer_user: Any
    funder_user: Any
    project: Any
    other_project: Any
    funder: Any
    participant: Any
    volunteer: Any
    duo: Any
    goal: Any
    check_in: Any
    other_participant: Any
    other_volunteer: Any
    other_duo: Any


def restore_seeded_rows() -> None:
    """Rows that data migrations seed (the barrier taxonomy) are gone after a transactional test
    (live_server, Playwright) flushed the database: seed them again, as the migration does."""
    from importlib import import_module

    from django.apps import apps

    from buddynet.features.signals.models import BarrierType

    if not BarrierType.objects.exists():
        import_module("buddynet.features.signals.migrations.0002_seed_barrier_types").seed(apps, None)


def make_world() -> World:
    restore_seeded_rows()
    project = f.ProjectFactory(name="Buddy Gent")
    other_project = f.ProjectFactory(name="Buddy Brugge")
    funder = f.FunderFactory(name="Departement WVG")
    admin = f.UserFactory(email="admin@example.be")
    membership_grant(user=admin, role=Role.ADMINISTRATOR)
    coordinator = f.UserFactory(email="alice@example.be")
    membership_grant(user=coordinator, role=Role.COORDINATOR, project=project)
    other_coordinator = f.UserFactory(email="charlie@example.be")
    membership_grant(user=other_coordinator, role=Role.COORDINATOR, project=other_project)
    participant = f.ParticipantFactory(project=project, first_name="Marieke", last_name="Peeters")
    volunteer = f.VolunteerFactory(project=project, first_name="Bert", last_name="Janssens")
    volunteer_user = f.UserFactory(email="bob@example.be")
    membership_grant(user=volunteer_user, role=Role.VOLUNTEER, volunteer=volunteer)
    duo = f.DuoFactory(participant=participant, volunteer=volunteer)
    goal = f.GoalFactory(duo=duo)
    check_in = f.CheckInFactory(duo=duo, author=volunteer_user)
    other_participant = f.ParticipantFactory(project=other_project, postcode="8000", municipality="Brugge")
    other_volunteer = f.VolunteerFactory(project=other_project)
    other_volunteer_user = f.UserFactory(email="dirk@example.be")
    membership_grant(user=other_volunteer_user, role=Role.VOLUNTEER, volunteer=other_volunteer)
    other_duo = f.DuoFactory(participant=other_participant, volunteer=other_volunteer)
    funder_user = f.UserFactory(email="funder@example.be")
    membership_grant(user=funder_user, role=Role.FUNDER, funder=funder)
    # The platform administrator reads participants only under a support access (issue 16); the
    # world's two organisations granted one that outlasts any test's time travel, so the matrices
    # keep testing what an administrator with access may do. Without it: tests/accounts/test_support.py.
    for organisation in {project.organisation, other_project.organisation}:
        SupportAccess.objects.create(organisation=organisation, reason="tests", until=FAR_FUTURE)
    return World(
        admin=admin, coordinator=coordinator, other_coordinator=other_coordinator,
        volunteer_user=volunteer_user, other_volunteer_user=other_volunteer_user,
        funder_user=funder_user, project=project, other_project=other_project, funder=funder,
        participant=participant, volunteer=volunteer, duo=duo, goal=goal, check_in=check_in,
        other_participant=other_participant, other_volunteer=other_volunteer, other_duo=other_duo,
    )


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_for(user: Any | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def services_required() -> bool:
    """In CI's service run, a test that needs PostgreSQL/Redis must fail, never skip."""
    return os.environ.get("BUDDYNET_REQUIRE_SERVICES", "") in {"1", "true", "yes"}


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        if services_required():
            pytest.fail("BUDDYNET_REQUIRE_SERVICES is set but the database is not PostgreSQL")
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Any) -> None:
    """Tests don't run collectstatic, so the hashed-manifest storage has nothing to read."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def require_redis() -> str:
    """The configured Redis broker URL; skips (or fails, in CI's service run) without one."""
    from django.conf import settings

    url = str(settings.CELERY_BROKER_URL)
    if not url.startswith(("redis://", "rediss://")):
        if services_required():
            pytest.fail("BUDDYNET_REQUIRE_SERVICES is set but CELERY_BROKER_URL is not a Redis URL")
        pytest.skip("needs Redis (set CELERY_BROKER_URL=redis://...)")
    return url


@pytest.fixture(autouse=True)
def _media_outside_the_checkout(settings: Any, tmp_path_factory: Any) -> None:
    """Uploaded files (receipts, annexes) land in the test session's temporary folder, not in the
    checkout's var/media; a test that looks at the files sets its own MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media"


@pytest.fixture(autouse=True)
def _dutch_by_default() -> Any:
    """Every test starts in the default language, as a request without a choice does. Django's
    LocaleMiddleware leaves the language of a test client's last request active in the thread,
    so a service message checked after another test's English request came out in English,
    depending on the order the tests ran in (a money check found it: "€100.00", not "€ 100,00")."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Django's PBKDF2 costs ~0.2 s a hash by design; every factory user (six per `world`) and
    every login would pay it, which made the suite take over ten minutes. Tests check who may
    do what, not the hasher's strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _session_timeouts_where_tested(request: Any, settings: Any) -> None:
    """The per-role session timeouts (buddynet/security/sessions.py: 30 idle minutes for office
    roles) would sign out any test that travels in time with a signed-in client, which is how
    follow-up pages are tested. They are tested in tests/security/test_sessions.py, marked
    `session_timeouts`; everywhere else the policy is empty, which switches the middleware off
    (no session writes, no role query at sign-in: other tests' query counts stay as they were)."""
    if request.node.get_closest_marker("session_timeouts") is None:
        settings.BUDDYNET_SESSION_POLICY = {}


@pytest.fixture(autouse=True)
def _two_factor_where_tested(request: Any, settings: Any) -> None:
    """Two-factor sign-in for office roles (buddynet/security/two_factor.py) would send every
    force_login'ed coordinator, funder or admin to the code step: hundreds of page tests sign in
    that way to test their page, not the sign-in. Chosen over a verified-login helper in every
    such test because it leaves other apps' tests untouched and mirrors `session_timeouts`.
    Enforcement stays on in tests marked `two_factor` (tests/security/test_two_factor.py) and in
    every browser test (tests/browser/conftest.py switches it back on: their login() goes through
    the real code step). `tests.two_factor.force_login_verified` signs in with a confirmed code."""
    if request.node.get_closest_marker("two_factor") is None:
        settings.BUDDYNET_TWO_FACTOR_REQUIRED = False


@pytest.fixture(autouse=True)
def _no_broker_backoff_between_tests() -> None:
    """notifications.tasks remembers a broker failure of this process for a few seconds; a test
    that made the broker fail must not leave its successor publishing nothing."""
    from notifications import tasks

    tasks._broker_failed_at = None
