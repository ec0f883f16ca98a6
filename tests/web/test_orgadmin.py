"""The organisation administrator (issue 16, item 1): the role, its pages under /organisatie/,
inviting coordinators, and the access matrix of these pages: an administrator of organisation A
gets 404 on every object of organisation B (the API's matrix, with both, is tests/test_api_access.py)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from buddynet.errors import Conflict, NotAllowed
from buddynet.records.accounts.invitations import (
    coordinator_invite,
    funder_viewer_invite,
    invitation_send,
)
from buddynet.records.accounts.models import Invitation, Membership, Role, SupportAccess, User
from buddynet.records.accounts.selectors import roles_of, volunteer_only
from buddynet.records.accounts.services import account_deactivate, membership_grant
from buddynet.records.accounts.support import support_access_grant
from buddynet.security import services as security_services
from buddynet.security.two_factor import two_factor_required_for
from buddynet.web.orgadmin import urls as orgadmin_urls
from tests import factories as f
from tests.conftest import World

BASE = "http://testserver/"
LOGIN = "login"


@dataclass
class Orgs:
    admin_a: Any  # administers the organisation of world.project
    admin_b: Any  # administers the organisation of world.other_project


@pytest.fixture
def orgs(world: World) -> Orgs:
    assert world.project.organisation_id != world.other_project.organisation_id
    a = f.UserFactory(email="olga@example.be")
    membership_grant(user=a, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    b = f.UserFactory(email="boris@example.be")
    membership_grant(user=b, role=Role.ORG_ADMIN, organisation=world.other_project.organisation)
    return Orgs(a, b)


def pending_coordinator(w: World, o: Orgs) -> User:
    coordinator_invite(project=w.project, email="nieuw@example.be", full_name="Nieuwe Coördinator", by=o.admin_a,
                       base_url=BASE)
    return User.objects.get(email="nieuw@example.be")


def grant_for(w: World) -> Any:
    """world.funder funds world.project (organisation A)."""
    from buddynet.features.funding.models import Grant

    return Grant.objects.get_or_create(
        reference="WVG-2026-01", defaults={"funder": w.funder, "project": w.project, "amount": Decimal("10000.00"),
                                           "start_date": dt.date(2026, 1, 1), "end_date": dt.date(2028, 12, 31)})[0]


def pending_viewer(w: World, o: Orgs) -> User:
    grant_for(w)
    funder_viewer_invite(funder=w.funder, organisation=w.project.organisation, email="kijker@example.be",
                         full_name="Kim Kijker", by=o.admin_a, base_url=BASE)
    return User.objects.get(email="kijker@example.be")


def pending_volunteer(w: World) -> Any:
    """A volunteer of world.project invited by its coordinator, not signed in yet."""
    volunteer = f.VolunteerFactory(project=w.project, first_name="Vera", last_name="Vos", email="vera@example.be")
    invitation_send(volunteer=volunteer, by=w.coordinator, login_url=BASE + "uitnodiging/")
    return volunteer


ROLES = ("admin_a", "admin_b", "admin", "coordinator", "volunteer_user", "funder_user", "anonymous")


def caller(w: World, o: Orgs, role: str) -> Any:
    if role == "anonymous":
        return None
    return getattr(o, role) if role.startswith("admin_") else getattr(w, role)


def E(admin_a: int | str, others: int | str = 404, admin_b: int | str | None = None) -> dict[str, int | str]:
    expected: dict[str, int | str] = dict.fromkeys(ROLES, others)
    expected.update(admin_a=admin_a, anonymous=LOGIN)
    if admin_b is not None:
        expected["admin_b"] = admin_b
    return expected


ROWS: list[tuple[str, str, dict[str, int | str], Any, Any]] = [
    ("orgadmin-home", "GET", E(302, admin_b=302), lambda w, o: {}, None),
    ("orgadmin-organisation", "GET", E(200), lambda w, o: {"organisation_id": w.project.organisation_id}, None),
    # POST only: 405 for every method other than POST, before anything is looked up.
    ("orgadmin-coordinator-invite", "GET", E(405, others=405),
     lambda w, o: {"organisation_id": w.project.organisation_id}, None),
    ("orgadmin-coordinator-invite", "POST", E(302), lambda w, o: {"organisation_id": w.project.organisation_id},
     lambda w: {"full_name": "Sara Peeters", "email": "sara@example.be", "project": w.project.pk}),
    ("orgadmin-coordinator-invite-again", "GET", E(405, others=405),
     lambda w, o: {"organisation_id": w.project.organisation_id, "user_id": pending_coordinator(w, o).pk}, None),
    ("orgadmin-coordinator-invite-again", "POST", E(302),
     lambda w, o: {"organisation_id": w.project.organisation_id, "user_id": pending_coordinator(w, o).pk},
     lambda w: {}),
    ("orgadmin-coordinator-token-revoke", "GET", E(405, others=405),
     lambda w, o: {"organisation_id": w.project.organisation_id, "user_id": token_of(w).user_id}, None),
    ("orgadmin-coordinator-token-revoke", "POST", E(302),
     lambda w, o: {"organisation_id": w.project.organisation_id, "user_id": token_of(w).user_id}, lambda w: {}),
    ("orgadmin-funder-viewer-invite", "GET", E(405, others=405),
     lambda w, o: {"organisation_id": w.project.organisation_id}, None),
    ("orgadmin-funder-viewer-invite", "POST", E(302),
     lambda w, o: {"organisation_id": grant_for(w).project.organisation_id},
     lambda w: {"funder-full_name": "Kim Kijker", "funder-email": "kim@example.be", "funder-funder": w.funder.pk}),
    ("orgadmin-funder-viewer-invite-again", "GET", E(405, others=405),
     lambda w, o: {"organisation_id": w.project.organisation_id, "user_id": pending_viewer(w, o).pk}, None),
    ("orgadmin-funder-viewer-invite-again", "POST", E(302),
     lambda w, o: {"organisation_id": w.project.organisation_id, "user_id": pending_viewer(w, o).pk},
     lambda w: {}),
    ("orgadmin-volunteer-accounts", "GET", E(200), lambda w, o: {"organisation_id": w.project.organisation_id}, None),
    ("orgadmin-volunteer-invite-again", "GET", E(405, others=405),
     lambda w, o: {"organisation_id": w.project.organisation_id, "volunteer_id": pending_volunteer(w).pk}, None),
    ("orgadmin-volunteer-invite-again", "POST", E(302),
     lambda w, o: {"organisation_id": w.project.organisation_id, "volunteer_id": pending_volunteer(w).pk},
     lambda w: {}),
    ("orgadmin-support-grant", "GET", E(405, others=405), lambda w, o: {"organisation_id": w.project.organisation_id},
     None),
    ("orgadmin-support-grant", "POST", E(302), lambda w, o: {"organisation_id": w.project.organisation_id},
     lambda w: {"until": (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
                "reason": "Foutmelding bij het rapport"}),
    ("orgadmin-support-end", "GET", E(405, others=405), lambda w, o: {
        "organisation_id": w.project.organisation_id, "grant_id": support_of(w, o).pk}, None),
    ("orgadmin-support-end", "POST", E(302), lambda w, o: {
        "organisation_id": w.project.organisation_id, "grant_id": support_of(w, o).pk}, lambda w: {}),
    # Issue 16: the organisation's allowance settings, and a project's follow-up settings (a page of
    # the notifications app, which web cannot import: its full URL name).
    ("orgadmin-allowance-settings", "GET", E(200), lambda w, o: {"organisation_id": w.project.organisation_id},
     None),
    ("orgadmin-allowance-settings", "POST", E(302), lambda w, o: allowance_page(w),
     lambda w: {"default_kind": "flat_rate", "daily_rate": "20.00", "yearly_maximum": ""}),
    ("notification-rules:project", "GET", E(200), lambda w, o: {
        "organisation_id": w.project.organisation_id, "project_id": w.project.pk}, None),
    ("notification-rules:project", "POST", E(302), lambda w, o: {
        "organisation_id": w.project.organisation_id, "project_id": w.project.pk}, lambda w: {
        "enabled_kinds": ["duo_quiet"], "contact_cadence_days": 10, "quiet_alert_days": 30, "first_month_days": 30,
        "first_month_min_check_ins": 2, "new_duo_days": 14, "screening_warn_days": 30, "planned_end_warn_days": 30,
        "obligation_warn_days": 14, "contact_months": "1, 3", "closure_map": "on", "interim_map_months": 6}),
]
CASES = [(row, role) for row in ROWS for role in ROLES]


def allowance_page(w: World) -> dict[str, Any]:
    """The legal caps that a rate is checked against (a transactional test may have flushed them)."""
    from tests.funding.builders import seed_caps

    seed_caps()
    return {"organisation_id": w.project.organisation_id}


def token_of(w: World) -> Token:
    """world.coordinator's office API token (coordinator of world.project, organisation A)."""
    return Token.objects.get_or_create(user=w.coordinator)[0]


def support_of(w: World, o: Orgs) -> SupportAccess:
    return support_access_grant(organisation=w.project.organisation, by=o.admin_a,
                                until=timezone.now() + dt.timedelta(days=1), reason="Hulp bij een import")


def snapshot() -> tuple[Any, ...]:
    from buddynet.features.aftercare.models import AftercareSettings
    from buddynet.features.funding.models import AllowanceSettings
    from buddynet.records.people.models import Project
    from notifications.models import ProjectRules

    return (User.objects.count(), Membership.objects.count(), Invitation.objects.count(), Token.objects.count(),
            tuple(SupportAccess.objects.order_by("pk").values_list("pk", "revoked_at")),
            tuple(AllowanceSettings.objects.values_list("organisation_id", "daily_rate")),
            tuple(ProjectRules.objects.values_list("project_id", "disabled_kinds")),
            tuple(AftercareSettings.objects.values_list("project_id", "contact_months")),
            tuple(Project.objects.order_by("pk").values_list("pk", "contact_cadence_days")))


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "role"), CASES, ids=[f"{r[1]} {r[0]} as {role}" for r, role in CASES])
def test_page_access(world: World, orgs: Orgs, row: Any, role: str) -> None:
    name, method, expect, kwargs, body = row
    url = reverse(name if ":" in name else f"web:{name}", kwargs=kwargs(world, orgs))
    client = Client()
    user = caller(world, orgs, role)
    if user is not None:
        client.force_login(user)
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, body(world) if body else {})
    expected = expect[role]
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))
    else:
        assert response.status_code == expected, response.content[:1000]
    if method == "POST":
        assert (snapshot() != before) == (expected == 302), "only an accepted request writes"


def test_every_orgadmin_page_has_a_row() -> None:
    from notifications import orgadmin_urls as rules_urls

    assert {p.name for p in orgadmin_urls.urlpatterns} <= {r[0] for r in ROWS}
    assert {f"{rules_urls.app_name}:{p.name}" for p in rules_urls.urlpatterns} <= {r[0] for r in ROWS}


# The API: every route × the administrator of A (own organisation) and of B (an outsider) is a
# column of the access matrix, tests/test_api_access.py (roles "org_admin", "other_org_admin").


@pytest.mark.django_db
def test_it_is_an_office_role_with_a_second_factor_and_reads_no_participant_page(
        world: World, orgs: Orgs) -> None:
    assert two_factor_required_for(orgs.admin_a) and not volunteer_only(orgs.admin_a)
    assert roles_of(orgs.admin_a).administered_organisation_ids == {world.project.organisation_id}
    client = Client()
    client.force_login(orgs.admin_a)
    assert client.get(reverse("web:home"))["Location"] == reverse("web:orgadmin-home")
    assert client.get(reverse("web:coordinator-participant", args=[world.participant.pk])).status_code == 403


@pytest.mark.django_db
def test_an_invited_coordinator_chooses_a_password_and_must_set_up_a_second_factor(
        world: World, orgs: Orgs) -> None:
    client = Client()
    client.force_login(orgs.admin_a)
    response = client.post(reverse("web:orgadmin-coordinator-invite", args=[world.project.organisation_id]),
                           {"full_name": "Sara Peeters", "email": "Sara@Example.be", "project": world.project.pk})
    assert response.status_code == 302
    user = User.objects.get(email="sara@example.be")
    assert roles_of(user).coordinated_project_ids == {world.project.pk} and not user.has_usable_password()
    assert two_factor_required_for(user)
    page = client.get(reverse("web:orgadmin-organisation", args=[world.project.organisation_id])).content.decode()
    assert "sara@example.be" in page and "Eerste aanmelding verwacht" in page

    found = re.search(r"http://testserver(/aanmelden/welkom/\S+/)", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    newcomer = Client()
    form = newcomer.get(found.group(1), follow=True)
    assert form.status_code == 200
    done = newcomer.post(form.redirect_chain[-1][0], {"new_password1": "Zeer-geheim-2026!", "new_password2":
                                                       "Zeer-geheim-2026!"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.has_usable_password()
    page = client.get(reverse("web:orgadmin-organisation", args=[world.project.organisation_id])).content.decode()
    assert "Eerste aanmelding verwacht" not in page


@pytest.mark.django_db
def test_another_organisations_project_is_not_a_choice(world: World, orgs: Orgs) -> None:
    client = Client()
    client.force_login(orgs.admin_a)
    before = snapshot()
    response = client.post(reverse("web:orgadmin-coordinator-invite", args=[world.project.organisation_id]),
                           {"full_name": "X", "email": "x@example.be", "project": world.other_project.pk})
    assert response.status_code == 400 and snapshot() == before
    with pytest.raises(NotAllowed):
        coordinator_invite(project=world.other_project, email="x@example.be", full_name="X", by=orgs.admin_a,
                           base_url=BASE)


@pytest.mark.django_db
def test_duplicate_addresses_have_defined_answers(world: World, orgs: Orgs) -> None:
    second = f.ProjectFactory(name="Buddy Gentbrugge", organisation=world.project.organisation)
    # A coordinator of another project of the same organisation: the membership is added, no new account.
    users = User.objects.count()
    coordinator_invite(project=second, email="ALICE@example.be", full_name="", by=orgs.admin_a, base_url=BASE)
    assert User.objects.count() == users
    assert roles_of(User.objects.get(email="alice@example.be")).coordinated_project_ids == {
        world.project.pk, second.pk}
    with pytest.raises(Conflict):  # already coordinates it
        coordinator_invite(project=second, email="alice@example.be", full_name="", by=orgs.admin_a, base_url=BASE)
    with pytest.raises(Conflict):  # a volunteer's account
        coordinator_invite(project=second, email="bob@example.be", full_name="", by=orgs.admin_a, base_url=BASE)
    with pytest.raises(Conflict):  # another organisation's coordinator
        coordinator_invite(project=second, email="charlie@example.be", full_name="", by=orgs.admin_a, base_url=BASE)


def test_the_organisation_administrator_sees_and_revokes_a_coordinators_api_token(world: World, orgs: Orgs) -> None:
    """Issue 21 item 1: office API tokens shown with their dates and revocable by the
    organisation administrator; the revoked token no longer opens the API."""
    token = token_of(world)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/duos/").status_code == 200
    page = Client(HTTP_ACCEPT_LANGUAGE="nl")
    page.force_login(orgs.admin_a)
    url = reverse("web:orgadmin-organisation", args=[world.project.organisation_id])
    html = page.get(url).content.decode()
    assert "API-sleutel gemaakt op" in html and "laatst gebruikt op" in html
    # Organisation B's administrator cannot revoke it, not even through the service.
    with pytest.raises(PermissionDenied):
        security_services.api_token_revoke(token=token, by=orgs.admin_b)
    revoke = reverse("web:orgadmin-coordinator-token-revoke", args=[world.project.organisation_id, token.user_id])
    assert page.post(revoke).status_code == 302
    assert not Token.objects.filter(user=world.coordinator).exists()
    assert api.get("/api/v1/duos/").status_code in (401, 403)
    assert "API-sleutel gemaakt op" not in page.get(url).content.decode()


@pytest.mark.django_db
def test_the_organisation_administrator_invites_a_viewer_for_a_funder_of_its_projects(
        world: World, orgs: Orgs) -> None:
    """Issue 16: funders' viewer accounts, seen and invited by the organisation administrator."""
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    client.force_login(orgs.admin_a)
    url = reverse("web:orgadmin-organisation", args=[world.project.organisation_id])
    invite = reverse("web:orgadmin-funder-viewer-invite", args=[world.project.organisation_id])
    body = {"funder-full_name": "Kim Kijker", "funder-email": "Kim@Example.be", "funder-funder": world.funder.pk}
    # Without a grant for one of its projects, the funder is not this organisation's: no choice, nothing saved.
    before = snapshot()
    assert client.post(invite, body).status_code == 400 and snapshot() == before
    assert "funder@example.be" not in client.get(url).content.decode()
    with pytest.raises(NotAllowed):
        funder_viewer_invite(funder=world.funder, organisation=world.project.organisation, email="x@example.be",
                             full_name="X", by=orgs.admin_a, base_url=BASE)

    grant_for(world)
    html = client.get(url).content.decode()
    assert "Kijkers van financiers" in html and "funder@example.be" in html  # the existing viewer
    assert client.post(invite, body).status_code == 302
    user = User.objects.get(email="kim@example.be")
    assert roles_of(user).funder_ids == {world.funder.pk} and not user.has_usable_password()
    assert two_factor_required_for(user) and not user.is_staff
    assert Invitation.objects.get(user=user).role == Role.FUNDER
    assert "Eerste aanmelding verwacht" in client.get(url).content.decode()
    found = re.search(r"http://testserver(/aanmelden/welkom/\S+/)", mail.outbox[-1].body)
    assert found and "Departement WVG" in mail.outbox[-1].body

    # Resend: a new mail; organisation B's administrator cannot, and an address in use is refused.
    again = reverse("web:orgadmin-funder-viewer-invite-again", args=[world.project.organisation_id, user.pk])
    sent = len(mail.outbox)
    assert client.post(again).status_code == 302 and len(mail.outbox) == sent + 1
    with pytest.raises(NotAllowed):
        funder_viewer_invite(funder=world.funder, organisation=world.project.organisation, email="y@example.be",
                             full_name="Y", by=orgs.admin_b, base_url=BASE)
    for address in ("kim@example.be", "alice@example.be"):
        before = snapshot()
        response = client.post(invite, {**body, "funder-email": address})
        assert response.status_code == 409 and snapshot() == before
    # The funder viewer who chose a password: no resend (409), and shown as active.
    user.set_password("Zeer-geheim-2026!")
    user.save()
    assert client.post(again).status_code == 409
    # The existing viewer of world.funder was not invited here and has a password: no resend button.
    assert "opnieuw" not in client.get(url).content.decode().split('id="funders"')[1].split('id="support"')[0]


@pytest.mark.django_db
def test_the_organisation_administrator_sees_every_volunteers_account_state_and_resends(
        world: World, orgs: Orgs) -> None:
    """Issue 16: volunteer accounts: not invited / expected first sign-in / active / closed, resend."""
    waiting = pending_volunteer(world)
    none = f.VolunteerFactory(project=world.project, first_name="Nina", last_name="Nul", email="nina@example.be")
    closed = f.VolunteerFactory(project=world.project, first_name="Carl", last_name="Dicht", email="carl@example.be")
    invitation_send(volunteer=closed, by=world.coordinator, login_url=BASE)
    account_deactivate(user=User.objects.get(email="carl@example.be"), reason="test")
    world.volunteer_user.last_login = timezone.now()
    world.volunteer_user.save(update_fields=["last_login"])
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    client.force_login(orgs.admin_a)
    url = reverse("web:orgadmin-volunteer-accounts", args=[world.project.organisation_id])
    html = client.get(url).content.decode()
    items = {name: item for item in html.split("<li>")[1:] for name in ("Vera", "Nina", "Carl", "Bert")
             if item.startswith(name)}
    assert "Eerste aanmelding verwacht" in items["Vera"] and "opnieuw-uitnodigen" in items["Vera"]
    assert "Niet uitgenodigd" in items["Nina"] and "Account afgesloten" in items["Carl"]
    assert "actief" in items["Bert"] and "opnieuw-uitnodigen" not in items["Bert"] + items["Nina"] + items["Carl"]
    assert "dirk@example.be" not in html  # organisation B's volunteer

    resend = "web:orgadmin-volunteer-invite-again"
    sent = len(mail.outbox)
    assert client.post(reverse(resend, args=[world.project.organisation_id, waiting.pk])).status_code == 302
    assert len(mail.outbox) == sent + 1 and mail.outbox[-1].to == ["vera@example.be"]
    # Signed in already, or no account: 409 and nothing sent; another organisation's volunteer: 404.
    before = snapshot()
    assert client.post(reverse(resend, args=[world.project.organisation_id, world.volunteer.pk])).status_code == 409
    assert client.post(reverse(resend, args=[world.project.organisation_id, none.pk])).status_code == 409
    assert client.post(reverse(resend, args=[world.project.organisation_id, world.other_volunteer.pk])).status_code \
        == 404
    assert snapshot() == before and len(mail.outbox) == sent + 1


@pytest.mark.django_db
def test_the_volunteer_accounts_come_in_pages_with_a_search_and_a_state_filter(world: World, orgs: Orgs) -> None:
    """Issue 16 item 3: the list is paged (50 a page) and can be searched and filtered by the
    account's state; the search term never travels in the address."""
    from buddynet.web.orgadmin.views import ACCOUNTS_PAGE

    for i in range(ACCOUNTS_PAGE + 3):
        f.VolunteerFactory(project=world.project, first_name=f"Vrijwilliger{i:02d}", last_name="Lijst")
    waiting = pending_volunteer(world)
    world.volunteer_user.last_login = timezone.now()  # Bert signed in: active
    world.volunteer_user.save(update_fields=["last_login"])
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    client.force_login(orgs.admin_a)
    url = reverse("web:orgadmin-volunteer-accounts", args=[world.project.organisation_id])

    def listed(response: Any) -> list[str]:
        html = response.content.decode().split('id="volunteer-accounts"')[1].split("</ul>")[0]
        return [item.split(" ")[0] for item in html.split("<li>")[1:]]

    first, second = client.get(url), client.get(url, {"page": 2})
    everyone = ACCOUNTS_PAGE + 3 + 2  # and world.volunteer (Bert) and Vera
    assert first.status_code == second.status_code == 200
    assert len(listed(first)) == ACCOUNTS_PAGE and len(listed(second)) == everyone - ACCOUNTS_PAGE
    assert not set(listed(first)) & set(listed(second))
    assert f"Pagina 1 van 2 ({everyone} in totaal)" in first.content.decode()
    assert 'rel="next"' in first.content.decode()

    searched = client.post(url, {"q": "vera", "state": ""})
    assert searched.status_code == 302 and "vera" not in searched["Location"].lower()
    assert listed(client.get(url)) == ["Vera"]
    client.post(url, {"q": "", "state": "waiting"})
    assert listed(client.get(url)) == [waiting.first_name]
    client.post(url, {"q": "", "state": "active"})
    assert listed(client.get(url)) == ["Bert"]
    client.post(url, {"q": "Lijst", "state": "none"})
    assert len(listed(client.get(url, {"page": 2}))) == 3
    client.post(url, {"q": "niemand", "state": ""})
    assert "Geen vrijwilligers gevonden." in client.get(url).content.decode()

    bad = client.post(url, {"q": "", "state": "bogus"})
    assert bad.status_code == 400 and 'id="id_state_errors"' in bad.content.decode()
    client.post(url, {"clear": "1"})
    assert len(listed(client.get(url))) == ACCOUNTS_PAGE


def _invite_on_the_page(w: World, o: Orgs, project: Any, email: str) -> int:
    page = Client()
    page.force_login(o.admin_a)
    return page.post(reverse("web:orgadmin-coordinator-invite", args=[project.organisation_id]),
                     {"project": project.pk, "email": email, "full_name": "Olaf Coördinator"}).status_code


def _invite_by_service(w: World, o: Orgs, project: Any, email: str) -> int:
    coordinator_invite(project=project, email=email, full_name="", by=o.admin_a, base_url=BASE)
    return 302


@pytest.mark.django_db
@pytest.mark.parametrize("channel", [_invite_on_the_page, _invite_by_service], ids=["page", "service"])
def test_a_coordinator_role_invited_follows_the_token_rule_of_every_grant(world: World, orgs: Orgs,
                                                                         channel: Any) -> None:
    """coordinator_invite gives the role through accounts.services.membership_grant: an office role
    the account did not hold yet ends its API tokens; another project of a role it holds does not."""
    org_admin = f.UserFactory(email="olaf@example.be")
    membership_grant(user=org_admin, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    admins_token = Token.objects.create(user=org_admin)
    coordinators_token = token_of(world)
    second = f.ProjectFactory(name="Buddy Gentbrugge", organisation=world.project.organisation)

    assert channel(world, orgs, world.project, "olaf@example.be") == 302
    assert channel(world, orgs, second, "alice@example.be") == 302

    assert Membership.objects.filter(user=org_admin, role=Role.COORDINATOR, project=world.project).exists()
    assert not Token.objects.filter(key=admins_token.key).exists(), "a new office role: the token ends"
    assert Token.objects.filter(key=coordinators_token.key).exists(), "the same role in another project"
    org_admin.refresh_from_db()
    assert org_admin.is_staff
