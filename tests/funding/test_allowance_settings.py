"""An organisation's own allowance settings (issue 16): its default system, its flat rate per day
(at most the legal daily cap of the year) and an optional own yearly maximum (at most the legal
one). Set by its organisation administrator; used by the coordinator's payment form (pre-filled)
and by the payment service (the own maximum is a limit like the legal caps)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from buddynet.errors import InvalidInput, NotAllowed
from buddynet.features.funding import services
from buddynet.features.funding.models import AllowanceCap, AllowancePayment, AllowanceSettings
from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from tests import factories as f
from tests.conftest import World
from tests.funding.builders import pages

# 2026's legal caps (seeded): EUR 44.02 a day, EUR 1,760.83 a year.
IN_2026 = time_machine.travel(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def org_admin(world: World) -> Any:
    user = f.UserFactory(email="olga@example.be")
    membership_grant(user=user, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    return user


@pytest.fixture
def other_org_admin(world: World) -> Any:
    user = f.UserFactory(email="boris@example.be")
    membership_grant(user=user, role=Role.ORG_ADMIN, organisation=world.other_project.organisation)
    return user


def save(org_admin: Any, world: World, **changes: Any) -> AllowanceSettings:
    data: dict[str, Any] = {"default_kind": "flat_rate", "daily_rate": Decimal("40.00"), "yearly_maximum": None}
    data.update(changes)
    return services.allowance_settings_save(organisation=world.project.organisation, by=org_admin, **data)


def errors_of(excinfo: Any) -> dict[str, Any]:
    message = excinfo.value.message
    assert isinstance(message, dict)
    return message


# --- the service's rules -------------------------------------------------------------------------
@IN_2026
def test_it_saves_a_flat_rate_within_the_legal_daily_cap(world: World, org_admin: Any) -> None:
    saved = save(org_admin, world, daily_rate=Decimal("44.02"), yearly_maximum=Decimal("1200.00"))

    saved.refresh_from_db()
    assert (saved.default_kind, saved.daily_rate, saved.yearly_maximum) == ("flat_rate", Decimal("44.02"),
                                                                            Decimal("1200.00"))
    assert saved.updated_by == org_admin
    # Saving again changes the one row.
    save(org_admin, world, default_kind="real_cost", daily_rate=None)
    assert AllowanceSettings.objects.get().default_kind == "real_cost"


@IN_2026
def test_it_refuses_a_rate_over_the_legal_daily_cap_of_the_year(world: World, org_admin: Any) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        save(org_admin, world, daily_rate=Decimal("44.03"))
    assert "44,02" in str(errors_of(excinfo)["daily_rate"]) and "2026" in str(errors_of(excinfo)["daily_rate"])
    assert not AllowanceSettings.objects.exists()


@IN_2026
def test_it_refuses_an_own_maximum_over_the_legal_yearly_cap_or_under_one_day(world: World, org_admin: Any) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        save(org_admin, world, yearly_maximum=Decimal("1760.84"))
    assert "yearly_maximum" in errors_of(excinfo)
    with pytest.raises(InvalidInput) as excinfo:
        save(org_admin, world, yearly_maximum=Decimal("39.99"))
    assert "yearly_maximum" in errors_of(excinfo)
    assert not AllowanceSettings.objects.exists()


@IN_2026
def test_a_flat_rate_default_needs_its_rate_and_kinds_are_two(world: World, org_admin: Any) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        save(org_admin, world, daily_rate=None)
    assert set(errors_of(excinfo)) == {"daily_rate"}
    with pytest.raises(InvalidInput) as excinfo:
        save(org_admin, world, default_kind="per_kilometre")
    assert "default_kind" in errors_of(excinfo)
    # Real costs need no rate.
    assert save(org_admin, world, default_kind="real_cost", daily_rate=None).daily_rate is None


@time_machine.travel(dt.datetime(2027, 1, 2, 10, 0, tzinfo=dt.UTC), tick=False)
def test_before_the_new_years_caps_are_known_the_latest_ones_apply(world: World, org_admin: Any) -> None:
    assert not AllowanceCap.objects.filter(year=2027).exists()
    with pytest.raises(InvalidInput):
        save(org_admin, world, daily_rate=Decimal("44.03"))
    assert save(org_admin, world, daily_rate=Decimal("44.02")).daily_rate == Decimal("44.02")


@IN_2026
def test_without_any_legal_caps_no_rate_is_accepted(world: World, org_admin: Any) -> None:
    AllowanceCap.objects.all().delete()
    with pytest.raises(InvalidInput) as excinfo:
        save(org_admin, world)
    assert "daily_rate" in errors_of(excinfo)


@IN_2026
@pytest.mark.parametrize("who", ["other_org_admin", "coordinator", "admin", "volunteer_user", "funder_user"])
def test_only_the_organisations_administrator_changes_them(world: World, other_org_admin: Any, who: str) -> None:
    user = other_org_admin if who == "other_org_admin" else getattr(world, who)
    with pytest.raises(NotAllowed):
        save(user, world)
    assert not AllowanceSettings.objects.exists()


# --- the payment service keeps the caps and adds the organisation's own maximum ---------------------
def pay(world: World, amount: str, days: int = 1) -> Any:
    return services.allowance_payment_record(volunteer=world.volunteer, kind="flat_rate", paid_on=dt.date(2026, 3, 1),
                                             year=2026, days=days, amount=Decimal(amount), by=world.coordinator)


@IN_2026
def test_a_payment_over_the_organisations_own_yearly_maximum_is_refused(world: World, org_admin: Any) -> None:
    save(org_admin, world, yearly_maximum=Decimal("100.00"))
    pay(world, "80.00", days=2)
    with pytest.raises(InvalidInput) as excinfo:
        pay(world, "40.00")
    assert "100,00" in str(errors_of(excinfo)["amount"])
    assert AllowancePayment.objects.count() == 1
    pay(world, "20.00")  # up to the maximum exactly
    assert AllowancePayment.objects.count() == 2


@IN_2026
def test_the_legal_caps_still_refuse_with_settings_in_place(world: World, org_admin: Any) -> None:
    save(org_admin, world, daily_rate=Decimal("44.02"))
    with pytest.raises(InvalidInput) as excinfo:
        pay(world, "44.03")
    assert "amount" in errors_of(excinfo)
    assert not AllowancePayment.objects.exists()


# --- the coordinator's payment form is pre-filled --------------------------------------------------
@IN_2026
def test_the_payment_form_is_prefilled_with_kind_and_days_times_the_rate(world: World, org_admin: Any) -> None:
    url = reverse("funding:allowances", args=[world.project.pk]) + "?year=2026"
    before = pages(world.coordinator).get(url).context["form"]
    assert "amount" not in before.initial  # nothing decided: nothing pre-filled

    save(org_admin, world, daily_rate=Decimal("12.50"))
    page = pages(world.coordinator).get(url)
    form = page.context["form"]
    assert (form.initial["kind"], form.initial["days"], form.initial["amount"]) == ("flat_rate", 1, Decimal("12.50"))
    assert "€ 12,50" in page.content.decode().replace("\xa0", " ")

    # From the table's link: that volunteer, their days volunteered but not yet paid, × the rate.
    AllowancePayment.objects.create(volunteer=world.volunteer, kind="flat_rate", paid_on=dt.date(2026, 2, 1),
                                    year=2026, days=2, amount=Decimal("25.00"))
    from buddynet.features.funding import views

    rows = views.allowance_rows(project=world.project, year=2026)
    rows[0]["days_volunteered"] = 6  # as the volunteer pages would count them
    request = Client().get("/").wsgi_request
    request.GET = request.GET.copy()
    request.GET["volunteer"] = str(world.volunteer.pk)
    initial = views._allowance_initial(request, world.project, 2026, rows)
    assert (initial["volunteer"], initial["days"], initial["amount"]) == (world.volunteer.pk, 4, Decimal("50.00"))


@IN_2026
def test_real_costs_by_default_prefill_the_kind_only(world: World, org_admin: Any) -> None:
    save(org_admin, world, default_kind="real_cost", daily_rate=None)
    form = pages(world.coordinator).get(
        reverse("funding:allowances", args=[world.project.pk]) + "?year=2026").context["form"]
    assert form.initial["kind"] == "real_cost" and "amount" not in form.initial


@IN_2026
def test_another_organisations_settings_do_not_prefill(world: World, other_org_admin: Any) -> None:
    services.allowance_settings_save(organisation=world.other_project.organisation, by=other_org_admin,
                                     default_kind="flat_rate", daily_rate=Decimal("30.00"), yearly_maximum=None)
    form = pages(world.coordinator).get(
        reverse("funding:allowances", args=[world.project.pk]) + "?year=2026").context["form"]
    assert "amount" not in form.initial


# --- the organisation administrator's page ----------------------------------------------------------
def settings_url(world: World) -> str:
    return reverse("web:orgadmin-allowance-settings", args=[world.project.organisation_id])


@IN_2026
def test_the_page_shows_the_years_legal_caps_in_dutch(world: World, org_admin: Any) -> None:
    page = pages(org_admin).get(settings_url(world), HTTP_ACCEPT_LANGUAGE="nl-be")

    assert page.status_code == 200
    html = page.content.decode().replace("\xa0", " ")
    assert ("De wettelijke maxima van 2026 voor de forfaitaire vrijwilligersvergoeding: € 44,02 per dag en "
            "€ 1.760,83 per jaar") in html
    assert "Je forfaitaire vergoeding per dag mag niet hoger zijn dan € 44,02." in html
    assert "Forfaitaire vergoeding per dag (EUR)" in html and "Eigen jaarmaximum per vrijwilliger (EUR)" in html
    # The organisation administrator's menu, with this page marked.
    assert f'<li><a href="{settings_url(world)}" aria-current="page">Vergoedingen</a></li>' in html


@IN_2026
def test_the_page_saves_and_answers_400_with_the_field_message(world: World, org_admin: Any) -> None:
    bad = pages(org_admin).post(settings_url(world), {"default_kind": "flat_rate", "daily_rate": "45.00",
                                                      "yearly_maximum": "2000"}, HTTP_ACCEPT_LANGUAGE="nl-be")
    assert bad.status_code == 400
    html = bad.content.decode().replace("\xa0", " ")
    assert "Hoogstens het wettelijke dagmaximum van 2026: € 44,02." in html
    assert "Hoogstens het wettelijke jaarmaximum van 2026: € 1.760,83." in html
    assert not AllowanceSettings.objects.exists()
    assert pages(org_admin).post(settings_url(world), {"default_kind": "flat_rate", "daily_rate": "veel"}
                                 ).status_code == 400
    assert not AllowanceSettings.objects.exists()

    ok = pages(org_admin).post(settings_url(world), {"default_kind": "flat_rate", "daily_rate": "35.50",
                                                     "yearly_maximum": ""})
    assert ok.status_code == 302
    saved = AllowanceSettings.objects.get()
    assert (saved.organisation_id, saved.daily_rate, saved.yearly_maximum) == (
        world.project.organisation_id, Decimal("35.50"), None)
    again = pages(org_admin).get(settings_url(world)).content.decode()
    assert 'value="35.50"' in again
