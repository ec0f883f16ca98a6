"""Retention and erasure of volunteers (GDPR art. 5(1)(e), 15, 17): the nightly purge anonymises
volunteers who stopped longer ago than their project's retention period; an administrator erases
or exports one volunteer. Erasure leaves no name, e-mail, phone or note of that volunteer in any
table, their check-ins stay (counted) with an anonymised author, and the funder numbers and the
allowance list are the same before and after. The export gives the classified fields, and of the
participants in their duos only the first name."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from buddynet import privacy
from buddynet.features.funding import reports
from buddynet.features.funding import services as funding_services
from buddynet.features.funding.models import AllowancePayment, DeclaredAllowance, ProgressReport
from buddynet.records.accounts.models import Membership, Role, User
from buddynet.records.duos.models import CheckIn, Duo, Goal, VolunteerDay
from buddynet.records.people.models import Participant, Volunteer
from buddynet.security import retention
from matching.models import ForbiddenPair
from notifications.models import Notification
from tests import factories as f
from tests.funding.builders import D, hand_built, seed_caps
from tests.security.test_retention import END, START, _every_text_in_the_database

pytestmark = pytest.mark.django_db

FIRST, LAST = "Quirijn", "Vandenbroucke-Ollivier"
EMAIL, PHONE = "quirijn.vdbo@voorbeeld.be", "0470 98 76 54"
NOTE = "Heeft zelf een moeilijke scheiding achter de rug"
CHECK_IN_NOTE = f"{FIRST} en zijn buddy gingen samen naar het OCMW"


@pytest.fixture
def hand():
    """The hand-built project of the funder report tests; d6's volunteer (duo closed 2025-08-01)
    is the one erased, with an account, check-ins, days, allowances and traces elsewhere."""
    seed_caps()
    h = hand_built(f.FunderFactory(name="Koning Boudewijnstichting"))
    d6 = h.duos[5]
    volunteer = d6.volunteer
    Volunteer.objects.filter(pk=volunteer.pk).update(first_name=FIRST, last_name=LAST, email=EMAIL, phone=PHONE)
    volunteer.refresh_from_db()
    Participant.objects.filter(pk=d6.participant_id).update(phone="0499 11 22 33", email="deelnemer6@voorbeeld.be")
    volunteer.notes = NOTE
    volunteer.save()
    user = f.UserFactory(email=EMAIL, full_name=f"{FIRST} {LAST}")
    Membership.objects.create(user=user, role=Role.VOLUNTEER, volunteer=volunteer)
    CheckIn.objects.filter(duo=d6).update(author=user)
    check_in = CheckIn.objects.filter(duo=d6).order_by("date").first()
    check_in.note = CHECK_IN_NOTE
    check_in.save()
    Goal.objects.create(duo=d6, life_domain="social", description=f"Samen met {FIRST} naar de bib")
    VolunteerDay.objects.create(volunteer=volunteer, date=D(2025, 3, 1))
    VolunteerDay.objects.create(volunteer=volunteer, date=D(2025, 3, 8))
    funding_services.allowance_payment_record(volunteer=volunteer, kind="flat_rate", paid_on=D(2025, 3, 31),
                                              year=2025, days=2, amount=Decimal("40.00"))
    DeclaredAllowance.objects.create(volunteer=volunteer, year=2025, organisation="Rode Kruis", days=3,
                                     amount=Decimal("60.00"))
    Notification.objects.create(
        recipient=user, kind="check_in_reminder", channel="email", subject=f"Dag {FIRST}",
        body=f"Dag {FIRST} {LAST}, je hebt al even geen contact gelogd.", dedup_key="reminder-1",
        created_at=timezone.now(), content_type=ContentType.objects.get_for_model(Volunteer), object_id=volunteer.pk)
    ForbiddenPair.objects.create(project=h.project, participant=h.duos[0].participant, volunteer=volunteer,
                                 reason=f"{FIRST} kent de familie")
    admin_user = f.UserFactory()
    for obj in (volunteer, d6, user):
        AdminLogEntry.objects.create(user=admin_user, content_type=ContentType.objects.get_for_model(obj),
                                     object_id=str(obj.pk), object_repr=str(obj), action_flag=CHANGE)
    # What the audit log writes when the volunteer changes something (actor and its e-mail).
    LogEntry.objects.create(content_type=ContentType.objects.get_for_model(CheckIn), object_pk=str(check_in.pk),
                            object_id=check_in.pk, action=LogEntry.Action.UPDATE, actor=user, actor_email=EMAIL,
                            changes={"mood": ["3", "4"]})
    # A mistyped password: axes keeps the e-mail it was tried with.
    AccessAttempt.objects.create(username=EMAIL, ip_address="192.0.2.7", user_agent="test", http_accept="*/*",
                                 path_info="/aanmelden/", get_data="", post_data="", failures_since_start=1)
    h.volunteer, h.user = volunteer, user
    return h


def _allowance_list(volunteer_id: int) -> list[tuple]:
    return [*AllowancePayment.objects.filter(volunteer_id=volunteer_id).values_list("year", "kind", "days", "amount"),
            *DeclaredAllowance.objects.filter(volunteer_id=volunteer_id).values_list("year", "organisation", "days",
                                                                                      "amount")]


def test_erasure_leaves_no_name_email_phone_or_note_and_the_numbers_and_allowances_are_unchanged(hand):
    volunteer, user = hand.volunteer, hand.user
    check_in_ids = sorted(CheckIn.objects.filter(author=user).values_list("pk", flat=True))
    before = reports.grant_report(grant=hand.grant, start=START, end=END, today=D(2026, 1, 10))
    frozen = funding_services.report_sign_off(
        report=funding_services.report_create(grant=hand.grant, period_start=START, period_end=END), by=None)
    allowances = _allowance_list(volunteer.pk)
    everything = _every_text_in_the_database()
    for secret in (FIRST, LAST, EMAIL, PHONE):
        assert secret in everything, secret  # the test can fail
    assert NOTE not in everything and CHECK_IN_NOTE not in everything  # encrypted: checked below

    retention.volunteer_anonymise(volunteer=volunteer)

    everything = _every_text_in_the_database()
    for secret in (FIRST, LAST, EMAIL, PHONE, NOTE):
        assert secret.lower() not in everything.lower(), secret
    code = retention.volunteer_code(volunteer.pk)
    volunteer.refresh_from_db()
    assert (volunteer.first_name, volunteer.last_name, volunteer.email, volunteer.phone, volunteer.notes) == (
        "Vrijwilliger", code, "", "", "")
    assert volunteer.anonymised_at is not None and volunteer.latitude is None
    # Encrypted texts, read through the application: the names replaced, the rest kept.
    duo_ids = list(Duo.objects.filter(volunteer=volunteer).values_list("pk", flat=True))
    notes = [c.note for c in CheckIn.objects.filter(duo_id__in=duo_ids)] + [
        g.description for g in Goal.objects.filter(duo_id__in=duo_ids)]
    assert not any(FIRST in n or LAST in n for n in notes)
    assert f"{code} en zijn buddy gingen samen naar het OCMW" in notes
    # The account stays (author of the check-ins), but cannot sign in and names no one.
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert (user.email, user.full_name) == (f"{code.lower()}@anonymised.invalid", f"Vrijwilliger {code}")
    assert sorted(CheckIn.objects.filter(author=user).values_list("pk", flat=True)) == check_in_ids
    assert not Client().login(email=EMAIL, password=f.PASSWORD)
    # The allowance list and days volunteered stay; the funder numbers are the same.
    assert _allowance_list(volunteer.pk) == allowances
    assert VolunteerDay.objects.filter(volunteer=volunteer).count() == 2
    after = reports.grant_report(grant=hand.grant, start=START, end=END, today=D(2026, 1, 10))
    assert after == before
    frozen_again = ProgressReport.objects.get(pk=frozen.pk)
    assert frozen_again.numbers == frozen.numbers
    assert funding_services.report_numbers(report=frozen_again) == frozen.numbers
    # Done once: a second erasure changes nothing.
    assert retention.volunteer_anonymise(volunteer=volunteer).anonymised_at == volunteer.anonymised_at


def test_an_account_with_another_role_is_kept_when_its_volunteer_record_is_erased(hand):
    Membership.objects.create(user=hand.user, role=Role.COORDINATOR, project=hand.project)
    retention.volunteer_anonymise(volunteer=hand.volunteer)
    hand.user.refresh_from_db()
    assert hand.user.is_active and hand.user.email == EMAIL
    assert Volunteer.objects.get(pk=hand.volunteer.pk).last_name == retention.volunteer_code(hand.volunteer.pk)


def test_the_export_gives_the_classified_fields_and_of_the_participant_only_the_first_name(hand):
    volunteer = hand.volunteer
    data = retention.volunteer_export(volunteer=volunteer)

    def wanted(label: str, left_out: tuple[str, ...] = ()) -> set[str]:
        return {"id", *(n for n in privacy.exported_fields(label) if n not in left_out)}

    sections = {
        "volunteer": ("people.Volunteer", [data["volunteer"]], ()),
        "account": ("accounts.User", [data["account"]], ("password",)),
        "memberships": ("accounts.Membership", data["memberships"], ()),
        "duos": ("duos.Duo", data["duos"], ("pause_reason", "closure_note")),
        "check_ins": ("duos.CheckIn", data["check_ins"], ()),
        "days_volunteered": ("duos.VolunteerDay", data["days_volunteered"], ()),
        "allowance_payments": ("funding.AllowancePayment", data["allowance_payments"], ()),
        "allowances_declared": ("funding.DeclaredAllowance", data["allowances_declared"], ()),
    }
    for section, (label, rows, left_out) in sections.items():
        assert rows, section
        for row in rows:
            assert set(row) == wanted(label, left_out), section
    assert "anonymised_at" not in data["volunteer"] and "password" not in data["account"]
    assert (data["volunteer"]["last_name"], data["volunteer"]["notes"]) == (LAST, NOTE)  # decrypted
    assert data["account"]["email"] == EMAIL
    assert [d["date"] for d in data["days_volunteered"]] == ["2025-03-01", "2025-03-08"]
    assert data["allowance_payments"][0]["amount"] == Decimal("40.00")
    assert CHECK_IN_NOTE in [c["note"] for c in data["check_ins"]]
    assert len(data["check_ins"]) == CheckIn.objects.filter(author=hand.user).count() == 13
    # The participant: first name only, never their record.
    participant = hand.duos[5].participant
    assert [d["participant"] for d in data["duos"]] == [participant.first_name]
    text = json.dumps(data, default=str)
    participant.refresh_from_db()
    for other in (participant.last_name, participant.phone, participant.email, hand.duos[0].participant.last_name):
        assert other not in text, other
    # An erased participant is shown by their code.
    retention.participant_anonymise(participant=participant)
    data = retention.volunteer_export(volunteer=volunteer)
    assert [d["participant"] for d in data["duos"]] == [retention.participant_code(participant.pk)]


def _stop(volunteer: Volunteer, on: dt.datetime) -> None:
    with time_machine.travel(on, tick=False):
        volunteer.status = Volunteer.Status.STOPPED
        volunteer.save()


def test_the_purge_anonymises_only_volunteers_stopped_longer_than_the_retention_period(hand):
    by_duo = {d: d.volunteer for d in hand.duos}
    d1, d6, d7 = hand.duos[0], hand.duos[5], hand.duos[6]
    _stop(by_duo[d6], dt.datetime(2025, 8, 2, 12, tzinfo=dt.UTC))  # duo closed 2025-08-01
    _stop(by_duo[d7], dt.datetime(2025, 9, 1, 12, tzinfo=dt.UTC))  # duo closed 2025-07-15, stopped later
    _stop(by_duo[d1], dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC))  # "stopped", but d1 is still open
    with time_machine.travel(dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        no_duo = f.VolunteerFactory(project=hand.project, status=Volunteer.Status.STOPPED)
        never_stopped = f.VolunteerFactory(project=hand.project, status=Volunteer.Status.PAUSED)

    def due(on: dt.date) -> set[int]:
        return {v.pk for v in retention.volunteers_past_retention(today=on)}

    assert due(D(2026, 6, 1)) == set()
    assert due(D(2026, 6, 2)) == {no_duo.pk}
    assert due(D(2027, 8, 3)) == {no_duo.pk, by_duo[d6].pk}
    assert due(D(2027, 9, 2)) == {no_duo.pk, by_duo[d6].pk, by_duo[d7].pk}
    hand.project.retention_months = 6
    hand.project.save()
    assert due(D(2026, 3, 2)) == {no_duo.pk, by_duo[d6].pk, by_duo[d7].pk}

    done = retention.retention_purge(today=D(2026, 3, 2))
    assert set(done["volunteers"]) == {no_duo.pk, by_duo[d6].pk, by_duo[d7].pk}
    assert Volunteer.objects.get(pk=by_duo[d6].pk).last_name == retention.volunteer_code(by_duo[d6].pk)
    for kept in (by_duo[d1], never_stopped):
        kept.refresh_from_db()
        assert kept.anonymised_at is None and not kept.last_name.startswith("V0")
    assert retention.retention_purge(today=D(2026, 3, 2))["volunteers"] == []


def _admin_client(user: User) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_an_administrator_exports_a_volunteer_as_json_and_pdf_and_erases_them(hand, world):
    from pypdf import PdfReader

    volunteer = hand.volunteer
    admin = _admin_client(world.admin)
    url = "/admin/people/volunteer/"
    exported = admin.post(url, {"action": "export_json", "_selected_action": [volunteer.pk]})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/json")
    assert f'volunteer-{volunteer.pk}.json' in exported["Content-Disposition"]
    data = json.loads(exported.content)
    assert data["volunteer"]["last_name"] == LAST and data["account"]["email"] == EMAIL
    pdf = admin.post(url, {"action": "export_pdf", "_selected_action": [volunteer.pk]})
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert LAST in text

    confirm = admin.post(url, {"action": "erase", "_selected_action": [volunteer.pk]})
    page = confirm.content.decode()
    assert confirm.status_code == 200 and 'name="confirm" value="yes"' in page
    assert "2025" in page  # the years allowances were paid for
    assert Volunteer.objects.get(pk=volunteer.pk).anonymised_at is None
    done = admin.post(url, {"action": "erase", "_selected_action": [volunteer.pk], "confirm": "yes"})
    assert done.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.anonymised_at is not None and volunteer.last_name == retention.volunteer_code(volunteer.pk)


def test_a_coordinator_cannot_export_or_erase_a_volunteer(hand, world):
    volunteer = hand.volunteer
    Membership.objects.create(user=world.coordinator, role=Role.COORDINATOR, project=hand.project)
    client = _admin_client(world.coordinator)
    url = "/admin/people/volunteer/"
    assert client.get(url).status_code == 200  # the coordinator does see the project's volunteers
    for action in ("export_json", "export_pdf"):
        response = client.post(url, {"action": action, "_selected_action": [volunteer.pk]})
        assert response.status_code == 302 and LAST.encode() not in response.content, action
    response = client.post(url, {"action": "erase", "_selected_action": [volunteer.pk], "confirm": "yes"})
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.anonymised_at is None and volunteer.last_name == LAST
    hand.user.refresh_from_db()
    assert hand.user.is_active and hand.user.email == EMAIL


def test_an_erased_volunteer_or_participant_is_not_in_the_matching_pool(world):
    from matching.selectors import pool_participants, pool_volunteers

    waiting = f.ParticipantFactory(project=world.project)
    assert world.volunteer.pk in {v.pk for v in pool_volunteers(project=world.project)}
    assert waiting.pk in {p.pk for p in pool_participants(project=world.project)}
    retention.volunteer_anonymise(volunteer=world.volunteer)
    retention.participant_anonymise(participant=waiting)
    assert world.volunteer.pk not in {v.pk for v in pool_volunteers(project=world.project)}
    assert waiting.pk not in {p.pk for p in pool_participants(project=world.project)}
