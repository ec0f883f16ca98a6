"""Referrals (issue 18 item 3): the project's directory of services (also from CSV), a referral
with its outcome, the coordinator reminded once 30 days after a referral without outcome, and
the counts in the funder report (suppressed below 5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from buddynet.errors import InvalidInput, NotAllowed
from buddynet.features.aftercare import services
from buddynet.features.aftercare.models import Referral, ReferralService
from buddynet.features.aftercare.report import SUPPRESSED, referral_section
from buddynet.records.people.models import Participant
from notifications import rules
from notifications.models import Channel, Kind, Notification
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

D = dt.date


def fire(day: dt.date) -> list[tuple[str, str]]:
    with time_machine.travel(dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC), tick=False):
        inserted = rules.evaluate(today=day)
    rows = Notification.objects.filter(pk__in=[i.id for i in inserted], channel=Channel.INBOX,
                                       kind=Kind.REFERRAL_OUTCOME_DUE)
    return sorted((n.recipient.email, n.dedup_key) for n in rows)


def ocmw(world: World) -> ReferralService:
    return services.referral_service_save(project_id=world.project.pk, by=world.coordinator,
                                          data={"name": "OCMW Gent", "kind": "ocmw", "municipality": "Gent"})


def test_the_coordinator_is_reminded_of_the_outcome_after_30_days_once(world: World) -> None:
    referral = services.referral_record(participant=world.participant, service=ocmw(world), by=world.coordinator,
                                        on=D(2025, 9, 1), life_domain="income", reason="Huurschuld")
    key = f"referral_outcome_due:referral:{referral.pk}"

    assert fire(D(2025, 9, 30)) == []
    assert fire(D(2025, 10, 1)) == [("alice@example.be", key)]
    assert fire(D(2025, 10, 2)) == []
    assert fire(D(2025, 11, 1)) == []
    assert Notification.objects.filter(kind=Kind.REFERRAL_OUTCOME_DUE, channel=Channel.INBOX).count() == 1


def test_a_referral_with_an_outcome_is_not_reminded(world: World) -> None:
    referral = services.referral_record(participant=world.participant, service=ocmw(world), by=world.coordinator,
                                        on=D(2025, 9, 1), life_domain="income")
    services.referral_outcome_record(referral=referral, by=world.coordinator, outcome="started", on=D(2025, 9, 20))
    assert fire(D(2025, 10, 1)) == []
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_on) == ("started", D(2025, 9, 20))


def test_the_rules_refuse_what_they_forbid(world: World) -> None:
    service = ocmw(world)
    with pytest.raises(NotAllowed):
        services.referral_record(participant=world.participant, service=service, by=world.other_coordinator,
                                 on=D(2025, 9, 1), life_domain="income")
    with pytest.raises(InvalidInput):  # another project's participant
        services.referral_record(participant=world.other_participant, service=service, by=world.admin,
                                 on=D(2025, 9, 1), life_domain="income")
    with pytest.raises(InvalidInput):
        services.referral_record(participant=world.participant, service=service, by=world.coordinator,
                                 on=D(2025, 9, 1), life_domain="nonsense")
    assert not Referral.objects.exists()


def test_the_directory_imports_from_csv_all_or_nothing(world: World) -> None:
    good = "naam;soort;gemeente;contact\r\nOCMW Gent;OCMW;Gent;09 266 99 00\r\nCAW Oost-Vlaanderen;caw;Gent;\r\n"
    assert services.referral_services_import(project_id=world.project.pk, by=world.coordinator,
                                             data=good.encode("utf-8-sig")) == 2
    assert sorted(ReferralService.objects.values_list("name", "kind")) == [("CAW Oost-Vlaanderen", "caw"),
                                                                           ("OCMW Gent", "ocmw")]
    bad = "name,kind\nSchuldhulp,debt\nIets,onbekend\n"
    with pytest.raises(InvalidInput) as refused:
        services.referral_services_import(project_id=world.project.pk, by=world.coordinator, data=bad.encode())
    assert "3" in str(refused.value.message)
    assert ReferralService.objects.count() == 2


def test_api_records_a_referral_and_its_outcome_and_imports(world: World) -> None:
    client = client_for(world.coordinator)
    service = ocmw(world)
    created = client.post("/api/v1/referrals/", {"participant": world.participant.pk, "service": service.pk,
                                                  "date": "2025-09-01", "life_domain": "housing"}, format="json")
    assert created.status_code == 201, created.json()
    bad = client.post(f"/api/v1/referrals/{created.json()['id']}/outcome/", {"outcome": "maybe"}, format="json")
    assert bad.status_code == 400 and "outcome" in bad.json().get("errors", bad.json()).__str__()
    done = client.post(f"/api/v1/referrals/{created.json()['id']}/outcome/",
                       {"outcome": "waiting", "on": "2025-09-15"}, format="json")
    assert done.status_code == 200 and done.json()["outcome"] == "waiting"
    upload = SimpleUploadedFile("diensten.csv", b"name;kind;municipality\nVDAB Gent;werk;Gent\n", "text/csv")
    imported = client.post("/api/v1/referrals/services/import/", {"project": world.project.pk, "file": upload},
                           format="multipart")
    assert imported.status_code == 200 and imported.json() == {"imported": 1}
    # Another project's coordinator cannot see or use them.
    other = client_for(world.other_coordinator)
    assert other.get(f"/api/v1/referrals/{created.json()['id']}/").status_code == 404
    assert other.post("/api/v1/referrals/", {"participant": world.participant.pk, "service": service.pk,
                                             "date": "2025-09-01", "life_domain": "housing"},
                      format="json").status_code == 400
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(("who", "status"), [("coordinator", 200), ("admin", 200), ("other_coordinator", 200),
                                              ("volunteer_user", 404), ("funder_user", 404)])
def test_page_access(world: World, client: Any, who: str, status: int) -> None:
    services.referral_record(participant=world.participant, service=ocmw(world), by=world.coordinator,
                             on=D(2025, 9, 1), life_domain="income")
    client.force_login(getattr(world, who))
    response = client.get(reverse("aftercare:referrals"))
    assert response.status_code == status
    if status == 200:
        assert (b"Marieke" in response.content) == (who in ("coordinator", "admin"))


def test_page_records_a_referral_and_an_outcome(world: World, client: Any) -> None:
    service = ocmw(world)
    client.force_login(world.coordinator)
    url = reverse("aftercare:participant-referrals", args=[world.participant.pk])
    assert client.post(url, {"service": service.pk, "date": "2025-09-01", "life_domain": "bad"}).status_code == 400
    assert Referral.objects.count() == 0
    made = client.post(url, {"service": service.pk, "date": "2025-09-01", "life_domain": "housing"})
    assert made.status_code == 302 and made["Location"] == url
    referral = Referral.objects.get()
    assert (referral.participant, referral.service, referral.made_by) == (world.participant, service, world.coordinator)
    outcome_url = reverse("aftercare:referral-outcome", args=[referral.pk])
    p = f"referral-{referral.pk}"
    refused = client.post(outcome_url, {f"{p}-outcome": "started", f"{p}-on": "2025-08-01"})
    assert refused.status_code == 400
    assert "De uitkomst kan niet vóór de doorverwijzing liggen." in refused.content.decode()
    done = client.post(outcome_url, {f"{p}-outcome": "started", f"{p}-on": "2025-09-10"})
    assert done.status_code == 302 and done["Location"] == f"{url}#referral-{referral.pk}"
    referral.refresh_from_db()
    assert referral.outcome == "started"


def test_a_participant_is_referred_only_to_their_projects_services(world: World, client: Any) -> None:
    ours = ocmw(world)
    theirs = services.referral_service_save(project_id=world.other_project.pk, by=world.other_coordinator,
                                            data={"name": "CAW Brugge", "kind": "caw"})
    unused = services.referral_service_save(project_id=world.project.pk, by=world.coordinator,
                                            data={"name": "Oud OCMW", "kind": "ocmw", "active": False})
    client.force_login(world.admin)  # sees both projects' directories
    url = reverse("aftercare:participant-referrals", args=[world.participant.pk])
    page = client.get(url).content.decode()
    form = page[page.index('id="new-title"'):page.index("</form>", page.index('id="new-title"'))]
    assert f'value="{ours.pk}"' in form
    assert f'value="{theirs.pk}"' not in form and f'value="{unused.pk}"' not in form
    answer = client.post(url, {"service": theirs.pk, "date": "2025-09-01", "life_domain": "housing"})
    assert answer.status_code == 400 and Referral.objects.count() == 0


def test_the_overview_finds_the_participant_by_a_posted_search_and_lists_no_project(world: World,
                                                                                   client: Any) -> None:
    for n in range(12):
        f.ParticipantFactory(project=world.project, first_name=f"Nora{n:02d}", last_name="Claes")
    f.ParticipantFactory(project=world.other_project, first_name="Bram", last_name="Claes")
    client.force_login(world.coordinator)
    url = reverse("aftercare:referrals")

    overview = client.get(url).content.decode()
    # No participant to choose from until a search: the page does not grow with the project.
    assert "Nora00" not in overview and 'name="participant"' not in overview and 'name="find"' in overview

    many = client.post(url, {"find": "claes"})
    body = many.content.decode()
    assert many.status_code == 200
    shown = [n for n in range(12) if f"Nora{n:02d} Claes" in body]
    assert shown == list(range(10))  # ten, in name order, and a word that there are more
    assert "Meer dan 10 deelnemers gevonden: typ meer van de naam." in body
    assert "Bram" not in body  # another project's participant

    one = client.post(url, {"find": "Nora11 Claes"})
    target = Participant.objects.get(first_name="Nora11")
    assert one.status_code == 302
    assert one["Location"] == reverse("aftercare:participant-referrals", args=[target.pk]) + "#new-title"

    none = client.post(url, {"find": "Bram"})
    assert none.status_code == 200 and "Geen deelnemer gevonden." in none.content.decode()
    short = client.post(url, {"find": "C"})
    assert short.status_code == 400


def test_the_referral_list_is_paged(world: World, client: Any) -> None:
    service = ocmw(world)
    people = [f.ParticipantFactory(project=world.project, first_name=f"Jo{n:02d}") for n in range(27)]
    for n, person in enumerate(people):
        services.referral_record(participant=person, service=service, by=world.coordinator,
                                 on=D(2025, 1, 1) + dt.timedelta(days=n), life_domain="income")
    client.force_login(world.coordinator)
    url = reverse("aftercare:referrals")
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    # Newest first: Jo26 … Jo02 on page 1, Jo01 and Jo00 on page 2.
    assert [n for n in range(27) if f"Jo{n:02d} " in first] == list(range(2, 27))
    assert [n for n in range(27) if f"Jo{n:02d} " in second] == [0, 1]
    assert "Pagina 2 van 2 (27 in totaal)" in second


def test_the_funder_report_counts_referrals_and_suppresses_small_cells(world: World) -> None:
    service = ocmw(world)
    caw = services.referral_service_save(project_id=world.project.pk, by=world.coordinator,
                                         data={"name": "CAW", "kind": "caw"})
    people = [f.ParticipantFactory(project=world.project) for _ in range(7)]
    for person in people[:6]:
        services.referral_record(participant=person, service=service, by=world.coordinator, on=D(2025, 9, 1),
                                 life_domain="income")
    services.referral_record(participant=people[6], service=caw, by=world.coordinator, on=D(2025, 9, 1),
                             life_domain="housing")
    # Without consent for anonymous reporting, a participant is not counted.
    Participant.objects.filter(pk=people[0].pk).update(consent_scope="network")

    section = referral_section(project_ids=[world.project.pk], start=D(2025, 1, 1), end=D(2025, 12, 31))

    assert section["total"] == 6 and section["participants"] == 6
    kinds = {row["code"]: row["count"] for row in section["by_kind"]}
    # 5 OCMW and 1 CAW: the CAW cell is small, so OCMW is suppressed too (6 − 5 would tell).
    assert kinds["caw"] == SUPPRESSED and kinds["ocmw"] == SUPPRESSED
    outcomes = {row["code"]: row["count"] for row in section["by_outcome"]}
    assert outcomes["pending"] == 6
    assert referral_section(project_ids=[world.other_project.pk], start=D(2025, 1, 1),
                            end=D(2025, 12, 31))["total"] == SUPPRESSED


@pytest.mark.parametrize(("who", "status"), [("coordinator", 200), ("admin", 200), ("other_coordinator", 404),
                                              ("volunteer_user", 404), ("funder_user", 404)])
def test_service_page_access(world: World, client: Any, who: str, status: int) -> None:
    service = ocmw(world)
    client.force_login(getattr(world, who))
    assert client.get(reverse("aftercare:referral-service-edit", args=[service.pk])).status_code == status
    new = client.get(reverse("aftercare:referral-service-new"))
    assert new.status_code == (404 if who in ("volunteer_user", "funder_user") else 200)
    answer = client.post(reverse("aftercare:referral-service-edit", args=[service.pk]),
                         {"name": "Weg", "kind": "caw", "active": ""})
    assert answer.status_code == (302 if status == 200 else 404)
    service.refresh_from_db()
    assert (service.name == "Weg") == (status == 200)


def test_a_service_is_added_and_corrected_on_the_page(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    new_url = reverse("aftercare:referral-service-new")
    form = client.get(new_url).content.decode()
    # The coordinator's own projects only.
    assert f'value="{world.project.pk}"' in form and f'value="{world.other_project.pk}"' not in form
    assert client.post(new_url, {"project": world.other_project.pk, "name": "CAW", "kind": "caw"}).status_code == 400
    assert client.post(new_url, {"project": world.project.pk, "name": "", "kind": "caw"}).status_code == 400
    made = client.post(new_url, {"project": world.project.pk, "name": "CAW Gent", "kind": "caw",
                                 "municipality": "Gent", "contact": "09 265 04 40"})
    assert made.status_code == 302
    service = ReferralService.objects.get()
    assert (service.project, service.name, service.kind, service.active) == (world.project, "CAW Gent", "caw", True)
    twice = client.post(new_url, {"project": world.project.pk, "name": "CAW Gent", "kind": "caw",
                                  "municipality": "Gent"})
    assert twice.status_code == 400 and ReferralService.objects.count() == 1

    edit_url = reverse("aftercare:referral-service-edit", args=[service.pk])
    assert client.post(edit_url, {"name": "CAW Gent", "kind": "bank"}).status_code == 400
    changed = client.post(edit_url, {"name": "CAW Oost-Vlaanderen", "kind": "caw", "municipality": "Gent",
                                     "contact": "", "active": ""})
    assert changed.status_code == 302
    service.refresh_from_db()
    assert (service.name, service.contact, service.active, service.project) == (
        "CAW Oost-Vlaanderen", "", False, world.project)
    # Out of use: no longer offered for a new referral, still listed in the directory.
    page = client.get(reverse("aftercare:participant-referrals", args=[world.participant.pk])).content.decode()
    form = page[page.index('id="new-title"'):page.index("</form>", page.index('id="new-title"'))]
    assert f'value="{service.pk}"' not in form
    assert "CAW Oost-Vlaanderen</a> <span class=\"muted\">(niet meer in gebruik)</span>" in page
