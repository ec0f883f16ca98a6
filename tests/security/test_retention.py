"""Retention and erasure (GDPR art. 5(1)(e), 15, 17): the nightly purge anonymises participants
past their project's retention period; an administrator erases or exports one person. Erasure
leaves no name, note or map label of that person in any table, and the funder numbers for the
period are the same before and after."""

from __future__ import annotations

import datetime as dt
import json
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from buddynet.features.funding import reports
from buddynet.features.funding import services as funding_services
from buddynet.features.funding.models import ProgressReport
from buddynet.records.accounts.models import SupportAccess
from buddynet.records.duos.models import CheckIn, Duo, Goal
from buddynet.records.people.models import Participant
from buddynet.security import retention
from buddynet.security.tasks import purge_past_retention
from netwerk import services as netwerk_services
from netwerk.models import Alter, NetworkMap
from tests import factories as f
from tests.funding.builders import SECRET_FIRST, SECRET_LAST, SECRET_NOTE, D, hand_built

pytestmark = pytest.mark.django_db
START, END = D(2025, 1, 1), D(2025, 12, 31)
ALTER_LABEL = "Tante Godelieve"
MAP_NOTE = "Woont sinds de scheiding alleen"
NEW_CONTACT = "Buurvrouw Mireille"  # met via the buddy: on the check-in and, as an alter, on the map
LOST_CONTACT = "Kapper Johannes"  # on the check-in only (its alter was removed from the map since)


def _every_text_in_the_database() -> str:
    """Every row of every table, as text (encrypted columns hold ciphertext: checked apart)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from the schema)
            for row in cursor.fetchall():
                chunks.append(" ".join(str(v) for v in row if v is not None))
    return "\n".join(chunks)


@pytest.fixture
def hand():
    h = hand_built(f.FunderFactory(name="Koning Boudewijnstichting"))
    person = h.duos[0].participant
    admin = f.UserFactory()
    network_map = netwerk_services.map_create(participant=person, by=admin, on=D(2025, 3, 1), note=MAP_NOTE)
    netwerk_services.alter_add(network_map=network_map, data={"label": ALTER_LABEL, "category": "family"}, by=admin)
    netwerk_services.alter_add(network_map=network_map, data={"label": "Buurman Karel", "category": "neighbour"},
                               by=admin)
    later = netwerk_services.map_create(participant=person, by=admin, on=D(2025, 9, 1))  # copies the alters
    assert later.alters.count() == 2
    # "We met someone new": the check-in keeps the labels, the latest map gets the alter.
    coordinator = f.MembershipFactory(project=h.project).user
    check_in = f.CheckInFactory(duo=h.duos[0], author=h.author, date=D(2025, 10, 1), new_contacts=[
        {"label": NEW_CONTACT, "category": "neighbour", "life_domain": "social"},
        {"label": LOST_CONTACT, "category": "friend", "life_domain": "leisure"},
    ])
    for contact in check_in.new_contacts:
        netwerk_services.tie_via_buddy_add(participant=person, label=contact["label"], category=contact["category"],
                                           life_domains=[contact["life_domain"]], by=coordinator, check_in=check_in)
    netwerk_services.alter_remove(alter=later.alters.get(label=LOST_CONTACT))
    Duo.objects.filter(pk=h.duos[0].pk).update(closure_note="")
    Goal.objects.create(duo=h.duos[0], life_domain="social", description=f"{SECRET_FIRST} wil haar zus terugzien")
    return h


def test_erasure_leaves_no_name_note_or_label_and_the_funder_numbers_are_unchanged(hand):
    person = hand.duos[0].participant
    before = reports.grant_report(grant=hand.grant, start=START, end=END, today=D(2026, 1, 10))
    frozen = funding_services.report_sign_off(
        report=funding_services.report_create(grant=hand.grant, period_start=START, period_end=END), by=None)
    everything = _every_text_in_the_database()
    for secret in (SECRET_LAST, ALTER_LABEL, NEW_CONTACT, LOST_CONTACT):
        assert secret in everything, secret  # the test can fail
    assert MAP_NOTE not in everything  # encrypted at rest: checked through the application below

    retention.participant_anonymise(participant=person)

    everything = _every_text_in_the_database()
    for secret in (SECRET_FIRST, SECRET_LAST, ALTER_LABEL, "Buurman Karel", MAP_NOTE, SECRET_NOTE, "haar zus",
                   NEW_CONTACT, LOST_CONTACT):
        assert secret not in everything, secret
    # Encrypted columns hold ciphertext: read through the application that nothing is left.
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.notes, person.email) == (
        "Deelnemer", retention.participant_code(person.pk), "", "")
    duo_ids = list(Duo.objects.filter(participant=person).values_list("pk", flat=True))
    check_ins = CheckIn.objects.filter(duo_id__in=duo_ids)
    assert not any(c.note or c.concern_note or c.concern_handled_note for c in check_ins)
    assert {g.description for g in Goal.objects.filter(duo_id__in=duo_ids)} == {"—"}
    assert all(SECRET_NOTE not in (d.closure_note + d.pause_reason) for d in Duo.objects.filter(pk__in=duo_ids))
    # The same person in the network keeps one code on every map; the measures stay.
    labels = [list(m.alters.order_by("id").values_list("label", flat=True))
              for m in NetworkMap.objects.filter(participant=person).order_by("date")]
    assert labels == [["A1", "A2"], ["A1", "A2", "A3"]]
    # A new contact keeps its alter's code; one without an alter gets a code of its own.
    contacts = [c for check_in in check_ins for c in check_in.new_contacts]
    assert contacts == [{"label": "A3", "category": "neighbour", "life_domain": "social"},
                        {"label": "A4", "category": "friend", "life_domain": "leisure"}]
    assert not NetworkMap.objects.filter(participant=person).exclude(note="").exists()

    after = reports.grant_report(grant=hand.grant, start=START, end=END, today=D(2026, 1, 10))
    assert after == before
    frozen_again = ProgressReport.objects.get(pk=frozen.pk)
    assert frozen_again.numbers == frozen.numbers
    assert funding_services.report_numbers(report=frozen_again) == frozen.numbers


def test_the_purge_anonymises_only_participants_past_their_projects_retention(hand):
    all_duos = list(Duo.objects.filter(project=hand.project))
    by_duo = {d.pk: d.participant for d in all_duos}
    closed = [d for d in all_duos if d.closed_on is not None]
    still_open = [d for d in all_duos if d.closed_on is None]
    assert closed and still_open
    # d9 closed 2024-12-01: past two years on 2027-01-01; d6 (2025-08-01) and d7 (2025-07-15) not yet.
    due = {p.pk for p in retention.participants_past_retention(today=date(2027, 1, 2))}
    assert due == {d.participant_id for d in closed if d.closed_on < date(2025, 1, 2)}
    hand.project.retention_months = 6
    hand.project.save()
    due = {p.pk for p in retention.participants_past_retention(today=date(2026, 3, 1))}
    assert due == {d.participant_id for d in closed}

    done = retention.retention_purge(today=date(2026, 3, 1))
    assert set(done["participants"]) == due
    for pk in due:
        assert Participant.objects.get(pk=pk).anonymised_at is not None
    for d in still_open:
        assert Participant.objects.get(pk=by_duo[d.pk].pk).anonymised_at is None
    # Done ones are not done again.
    assert retention.retention_purge(today=date(2026, 3, 1))["participants"] == []


def test_the_nightly_task_runs_the_purge_and_is_scheduled_after_migrate(hand, settings):
    from buddynet import schedules

    name = "security: purge data past retention"
    PeriodicTask.objects.filter(name=name).delete()
    assert schedules.install() == 1
    task = PeriodicTask.objects.get(name=name)
    assert task.task == "security.purge_past_retention" and (task.crontab.hour, task.crontab.minute) == ("3", "30")
    assert schedules.install() == 0
    hand.project.retention_months = 1
    hand.project.save()
    assert purge_past_retention.apply().get() >= 1


def test_an_administrator_exports_one_person_as_json_and_pdf_and_erases_them(hand, world):
    import io

    from pypdf import PdfReader

    person = hand.duos[0].participant
    world.admin.is_staff = True
    world.admin.save()
    # The platform administrator reads an organisation's participants only under the support
    # access its administrator granted (issue 16); the request for access is that organisation's.
    SupportAccess.objects.create(organisation=person.project.organisation, reason="GDPR request",
                                 until=timezone.now() + dt.timedelta(days=1))
    admin = Client()
    admin.force_login(world.admin)
    url = "/admin/people/participant/"
    exported = admin.post(url, {"action": "export_json", "_selected_action": [person.pk]})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/json")
    data = json.loads(exported.content)
    assert data["participant"]["last_name"] == SECRET_LAST
    assert SECRET_NOTE in json.dumps(data)  # decrypted: the person gets their notes
    assert [a["label"] for a in data["network_maps"][0]["alters"]] == [ALTER_LABEL, "Buurman Karel"]
    pdf = admin.post(url, {"action": "export_pdf", "_selected_action": [person.pk]})
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert SECRET_LAST in text

    confirm = admin.post(url, {"action": "erase", "_selected_action": [person.pk]})
    assert confirm.status_code == 200 and 'name="confirm" value="yes"' in confirm.content.decode()
    assert Participant.objects.get(pk=person.pk).anonymised_at is None
    done = admin.post(url, {"action": "erase", "_selected_action": [person.pk], "confirm": "yes"})
    assert done.status_code == 302
    assert Participant.objects.get(pk=person.pk).anonymised_at is not None
    assert not Alter.objects.filter(label=ALTER_LABEL).exists()


def test_a_coordinator_cannot_export_or_erase(hand, world):
    person = hand.duos[0].participant
    world.coordinator.is_staff = True
    world.coordinator.save()
    client = Client()
    client.force_login(world.coordinator)
    response = client.post("/admin/people/participant/", {"action": "erase", "_selected_action": [person.pk],
                                                           "confirm": "yes"})
    assert response.status_code in (302, 403, 200)
    assert Participant.objects.get(pk=person.pk).anonymised_at is None


def test_the_export_gives_the_fields_the_classification_calls_personal_or_special(hand, monkeypatch):
    from buddynet import privacy

    person = hand.duos[0].participant
    first = NetworkMap.objects.filter(participant=person).order_by("date").first()
    a, b = first.alters.order_by("id")[:2]
    netwerk_services.tie_add(a=a, b=b)
    data = retention.participant_export(participant=person)
    sections = {"participant": ("people.Participant", [data["participant"]]),
                "duos": ("duos.Duo", data["duos"]), "goals": ("duos.Goal", data["goals"]),
                "check_ins": ("duos.CheckIn", data["check_ins"]),
                "network_maps": ("netwerk.NetworkMap", data["network_maps"]),
                "alters": ("netwerk.Alter", [a for m in data["network_maps"] for a in m["alters"]]),
                "ties": ("netwerk.Tie", [t for m in data["network_maps"] for t in m["ties"]])}
    for section, (label, rows) in sections.items():
        assert rows, section
        wanted = {"id", *(name for name, level in privacy.REGISTRY[label].items() if level != privacy.Level.NORMAL)}
        for row in rows:
            assert set(row) - {"alters", "ties"} == wanted, section
    assert "anonymised_at" not in data["participant"] and "client_uuid" not in data["check_ins"][0]  # NORMAL
    assert data["participant"]["notes"] == SECRET_NOTE  # SPECIAL, decrypted
    assert {c["new_contacts"][0]["label"] for c in data["check_ins"] if c["new_contacts"]} == {NEW_CONTACT}

    # A field classified as personal is exported from then on: the registry decides.
    registry = {label: dict(fields) for label, fields in privacy.REGISTRY.items()}
    registry["duos.CheckIn"]["client_uuid"] = privacy.Level.PERSONAL
    monkeypatch.setattr(privacy, "REGISTRY", registry)
    check_in = retention.participant_export(participant=person)["check_ins"][0]
    assert check_in["client_uuid"] == CheckIn.objects.get(pk=check_in["id"]).client_uuid
