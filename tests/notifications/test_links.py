"""Every kind of notification links to a real page that its recipient may open.

Each kind is caused the real way (the rules sweep with controlled time, a volunteer's check-in
with a concern, a match run through matching's service, a report signed off through funding's
service, the allowance event), then every inbox row is followed as its own recipient: the link
resolves to a role page (never the admin, never "/") and answers 200.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import resolve

from buddynet import events
from buddynet.features.aftercare import services as aftercare_services
from buddynet.features.funding import services as funding_services
from buddynet.features.funding.models import Grant, ReportingObligation
from buddynet.records.duos import services as duo_services
from buddynet.records.duos.models import Duo, DuoStatus
from buddynet.records.people.models import Project
from matching import services as match_services
from notifications import rules
from notifications.models import Channel, Kind, Notification, ProjectRules
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

D = dt.date
DAY = D(2025, 8, 15)

# Which page each kind opens: (URL namespace:name) as resolved from the stored link.
EXPECTED_PAGES = {
    Kind.CHECK_IN_REMINDER: "web:volunteer-duo",
    Kind.MEETING_TOMORROW: "web:volunteer-duo",
    Kind.CONCERN_HANDLED: "web:volunteer-duo",
    Kind.CONCERN_RAISED: "web:coordinator-participant",
    Kind.DUO_QUIET: "web:coordinator-duo",
    Kind.NEW_DUO_NO_CHECK_IN: "web:coordinator-duo",
    Kind.SCREENING_EXPIRING: "web:coordinator-volunteer",
    Kind.SCREENING_EXPIRED: "web:coordinator-volunteer",
    Kind.DUO_ENDING: "web:coordinator-duo",
    Kind.MATCH_RUN_FINISHED: "matching:run",
    Kind.ALLOWANCE_CAP: "funding:allowances",
    Kind.OBLIGATION_DUE: {"funding:grant", "funding:portal"},
    Kind.OBLIGATION_OVERDUE: {"funding:grant", "funding:portal"},
    Kind.REPORT_FROZEN: "funding:report",
    Kind.REPORT_COMPLETION_REQUESTED: "funding:report",  # the new version, to complete
    Kind.REPORT_APPROVED: "funding:report",
    Kind.AFTERCARE_DUE: {"aftercare:participant", "netwerk:participant-maps"},
    Kind.NETWORK_MAP_DUE: "netwerk:participant-maps",
    Kind.REFERRAL_OUTCOME_DUE: "aftercare:participant-referrals",
    Kind.PAIRING_FIT_POOR: "web:coordinator-duo",
}


def cause_every_kind(world: World) -> None:
    # The rules, on DAY: world.duo (started 2025-07-15, one check-in on 2025-08-01) is due a
    # reminder, meets tomorrow, nears its planned end and had a slow first month; a new duo has
    # no check-in after 14 days; Bert's screening expires within the project's warning; one report
    # is due in five days and one is five days late.
    Duo.objects.filter(pk=world.duo.pk).update(next_meeting_on=DAY + dt.timedelta(days=1),
                                               planned_end_on=DAY + dt.timedelta(days=10))
    f.DuoFactory(participant=f.ParticipantFactory(project=world.project, first_name="Fatima"),
                 volunteer=f.VolunteerFactory(project=world.project, first_name="Jan"),
                 status=DuoStatus.INTRODUCED, introduced_on=DAY - dt.timedelta(days=14), started_on=None)
    Project.objects.filter(pk=world.project.pk).update(screening_valid_months=12)
    ProjectRules.objects.create(project=world.project, screening_warn_days=200)
    # Els's extract stops counting on DAY itself.
    f.VolunteerFactory(project=world.project, first_name="Els", criminal_record_checked_on=D(2024, 8, 15))
    grant = Grant.objects.create(funder=world.funder, project=world.project, reference="WVG-GENT-1",
                                 amount=Decimal("40000"), start_date=D(2025, 1, 1), end_date=D(2027, 12, 31))
    ReportingObligation.objects.create(grant=grant, kind="financial", due_on=DAY + dt.timedelta(days=5))
    ReportingObligation.objects.create(grant=grant, kind="yearly_content", due_on=DAY - dt.timedelta(days=5))
    # Sara's duo closed a month before DAY: her first aftercare contact (and her closure map) is due;
    # Wout's duo started seven months before DAY without a network map: an interim map is due.
    closed = f.DuoFactory(participant=f.ParticipantFactory(project=world.project, first_name="Sara"),
                          volunteer=f.VolunteerFactory(project=world.project, first_name="Tom"))
    duo_services.duo_close(duo=closed, by=world.coordinator, reason="planned_end", closed_on=D(2025, 7, 15),
                           next_step="end")
    f.DuoFactory(participant=f.ParticipantFactory(project=world.project, first_name="Wout"),
                 volunteer=f.VolunteerFactory(project=world.project, first_name="An"),
                 proposed_on=D(2024, 12, 1), introduced_on=D(2025, 1, 5), started_on=D(2025, 1, 10))
    # Sara was referred to the OCMW 30 days before DAY, and its outcome is not known yet.
    ocmw = aftercare_services.referral_service_save(project_id=world.project.pk, by=world.coordinator,
                                                    data={"name": "OCMW Gent", "kind": "ocmw"})
    aftercare_services.referral_record(participant=closed.participant, service=ocmw, by=world.coordinator,
                                       on=DAY - dt.timedelta(days=30), life_domain="income")
    with time_machine.travel(dt.datetime.combine(DAY, dt.time(6, 0), tzinfo=dt.UTC), tick=False):
        rules.evaluate(today=DAY)

    # The events, from the services that emit them.
    worry, _created = duo_services.check_in_record(
        duo=world.duo, author=world.volunteer_user, client_uuid=uuid.uuid4(), data={
            "date": DAY, "duration_minutes": 45, "mode": "phone", "concern": True, "concern_note": "Ze eet slecht."})
    duo_services.concern_mark_handled(check_in=worry, by=world.coordinator, note="Gebeld met haar zus.")
    f.ParticipantFactory(project=world.project, first_name="Ahmed")
    f.VolunteerFactory(project=world.project, first_name="Lore")
    match_services.match_run_start(project=world.project, by=world.coordinator, inline=True)
    events.allowance_cap_approaching(world.volunteer, 2025, 55, Decimal("2010.15"))
    aftercare_services.evaluation_record(participant=world.participant, duo=world.duo, by=world.volunteer_user,
                                         data={"moment": "first_meeting", "date": DAY, "fit": 1})
    draft = funding_services.report_create(grant=grant, period_start=D(2025, 1, 1), period_end=D(2025, 6, 30),
                                           by=world.coordinator)
    funding_services.report_sign_off(report=draft, by=world.coordinator)
    # The funder asks to complete it, and approves the completed version.
    second = funding_services.report_request_completion(report=draft, by=world.funder_user, comment="Graag meer.")
    funding_services.report_sign_off(report=second, by=world.coordinator)
    funding_services.report_approve(report=second, by=world.funder_user)


def test_every_kind_links_to_a_role_page_its_recipient_may_open(world: World, settings: Any,
                                                                  tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    cause_every_kind(world)

    rows = list(Notification.objects.filter(channel=Channel.INBOX).select_related("recipient").order_by("id"))
    assert {n.kind for n in rows} == set(Kind.values)  # every kind was caused, so every kind is checked
    clients: dict[int, Client] = {}
    for n in rows:
        parts = urlsplit(n.link)
        assert not parts.path.startswith("/admin/") and parts.path != "/", (n.kind, n.link)
        match = resolve(parts.path)  # raises Resolver404 for a link that leads nowhere
        expected = EXPECTED_PAGES[n.kind]
        assert match.view_name in (expected if isinstance(expected, set) else {expected}), (n.kind, match.view_name)
        if n.recipient_id not in clients:
            clients[n.recipient_id] = Client()
            clients[n.recipient_id].force_login(n.recipient)
        response = clients[n.recipient_id].get(n.link)
        assert response.status_code == 200, (n.kind, n.recipient.email, n.link, response.status_code)
        if parts.fragment:  # the anchor is on the page (the concern's check-in)
            assert f'id="{parts.fragment}"' in response.content.decode(), (n.kind, n.link)


def test_a_link_does_not_open_for_someone_outside_the_project(world: World, settings: Any,
                                                              tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    cause_every_kind(world)
    outsider = Client()
    outsider.force_login(world.other_coordinator)

    for n in Notification.objects.filter(channel=Channel.INBOX, recipient=world.coordinator):
        assert outsider.get(n.link).status_code in (403, 404), (n.kind, n.link)
