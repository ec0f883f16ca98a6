"""Query counts pinned at two data sizes for every page and API path (issue 20).

Every URL name of the project's urlconf must appear in PINS: either measured (GET as a role that
sees the most of it, at the small demo and at a bigger one) or skipped with the reason why a
size cannot change it. The test fails when a URL name has no entry, when a measured path needs
more queries at the bigger size (an N+1: a query per row of a list), and when one needs more than
MAX_QUERIES at all (an N+1 hidden by a list that is a full page at both sizes, as the admin's).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from buddynet.demo import data as demo
from buddynet.features.funding import services as funding_services
from buddynet.features.funding.models import AllowancePayment, BudgetLine, Expense, Grant, ReportingObligation, Tranche
from buddynet.records.accounts.models import Membership, Role, User
from buddynet.records.duos.models import CheckIn, Duo, Goal
from buddynet.records.people.models import Funder, Participant, Project, Volunteer
from matching import services as matching_services
from matching.models import ForbiddenPair, LockedPair, MatchRun, Proposal
from netwerk.models import Alter, NetworkMap, Tie

# Noon on a fixed day, so the demo (dated back from today) is the same rows every run.
FROZEN = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)
# (people per project, projects): the coordinator's project doubles, the funder's portfolio grows.
SIZES = ((1, 1), (2, 2))
MAX_QUERIES = 30


@dataclass
class Ids:
    """The objects each path is asked about, looked up again at each size."""

    users: dict[str, User]
    project: Project
    participant: Participant
    volunteer: Volunteer
    duo: Duo
    goal: Goal
    check_in: CheckIn
    concern: CheckIn
    network_map: NetworkMap
    alter: Alter
    tie: Tie
    funder: Funder
    grant: Grant
    report_id: int
    run: MatchRun
    proposal: Proposal
    forbidden: ForbiddenPair
    locked: LockedPair
    notification_id: int
    portfolio_job_id: int


@dataclass(frozen=True)
class Measure:
    roles: tuple[str, ...]
    kwargs: Callable[[Ids], dict[str, Any]] = lambda ids: {}
    status: int | tuple[int, ...] = 200


@dataclass(frozen=True)
class Skip:
    reason: str


def pk(get: Callable[[Ids], Any]) -> Callable[[Ids], dict[str, Any]]:
    return lambda ids: {"pk": get(ids).pk}


COORD = ("coordinator",)
ADMIN = ("admin",)
POST = Skip("a POST action on one object: its cost does not depend on the size of any list")
ONE = Skip("one object, fetched by its access helper: no list to grow")

PINS: dict[str, Measure | Skip] = {
    "healthz": Skip("no data read"),
    "healthz-detail": Skip("checks the services (broker, database), not the data"),
    "set_language": POST,
    "schema": Skip("generated from the code, not the data"),
    "api-docs": Skip("a static page around the schema"),
    # --- API ---------------------------------------------------------------------------------
    "v1:api-root": Measure(COORD),
    "v1:me": Measure(("coordinator", "volunteer", "funder")),
    "v1:postcode": Measure(COORD, lambda ids: {"postcode": "9000"}),
    "v1:organisation-list": Measure(("admin", "coordinator")),
    "v1:organisation-detail": Measure(COORD, pk(lambda ids: ids.project.organisation)),
    "v1:project-list": Measure(("admin", "coordinator")),
    "v1:project-detail": Measure(COORD, pk(lambda ids: ids.project)),
    "v1:participant-list": Measure(COORD),
    "v1:participant-detail": Measure(COORD, pk(lambda ids: ids.participant)),
    "v1:participant-consent": POST,
    "v1:volunteer-list": Measure(COORD),
    "v1:volunteer-detail": Measure(COORD, pk(lambda ids: ids.volunteer)),
    "v1:funder-list": Measure(("admin", "funder")),
    "v1:funder-detail": Measure(("funder",), pk(lambda ids: ids.funder)),
    "v1:duo-list": Measure(("coordinator", "volunteer")),
    "v1:duo-detail": Measure(("coordinator", "volunteer"), pk(lambda ids: ids.duo)),
    "v1:duo-activate": POST,
    "v1:duo-close": POST,
    "v1:duo-introduce": POST,
    "v1:duo-next-meeting": POST,
    "v1:duo-pause": POST,
    "v1:duo-resume": POST,
    "v1:goal-list": Measure(("coordinator", "volunteer")),
    "v1:goal-detail": Measure(COORD, pk(lambda ids: ids.goal)),
    "v1:checkin-list": Measure(("coordinator", "volunteer")),
    "v1:checkin-detail": Measure(("coordinator", "volunteer"), pk(lambda ids: ids.check_in)),
    "v1:checkin-handle-concern": POST,
    "v1:user-list": Measure(ADMIN),
    "v1:user-detail": Measure(ADMIN, pk(lambda ids: ids.users["coordinator"])),
    "v1:membership-list": Measure(ADMIN),
    "v1:membership-detail": Measure(ADMIN, lambda ids: {
        "pk": Membership.objects.filter(user=ids.users["coordinator"]).values_list("pk", flat=True).first()}),
    "v1:netwerk-map-list": Measure(COORD),
    "v1:netwerk-map-detail": Measure(COORD, pk(lambda ids: ids.network_map)),
    "v1:netwerk-map-change": Measure(COORD, pk(lambda ids: ids.network_map)),
    "v1:netwerk-map-measures": Measure(COORD, pk(lambda ids: ids.network_map)),
    "v1:netwerk-alter-list": Measure(COORD),
    "v1:netwerk-alter-detail": Measure(COORD, pk(lambda ids: ids.alter)),
    "v1:netwerk-tie-list": Measure(COORD),
    "v1:netwerk-tie-detail": Measure(COORD, pk(lambda ids: ids.tie)),
    "v1:netwerk-tie-via-buddy": POST,
    "v1:matching-run-list": Measure(COORD),
    "v1:matching-run-detail": Measure(COORD, pk(lambda ids: ids.run)),
    "v1:matching-proposal-list": Measure(COORD),
    "v1:matching-proposal-detail": Measure(COORD, pk(lambda ids: ids.proposal)),
    "v1:matching-proposal-accept": POST,
    "v1:matching-proposal-reject": POST,
    "v1:matching-suggestion": Measure(COORD, lambda ids: {"participant_id": ids.participant.pk}),
    "v1:matching-run-pooled": Skip("POST only: starts a run"),
    "v1:matching-forbidden-pair-list": Measure(COORD),
    "v1:matching-forbidden-pair-detail": Skip("DELETE only"),
    "v1:matching-locked-pair-list": Measure(COORD),
    "v1:matching-locked-pair-detail": Skip("DELETE only"),
    "v1:notifications-list": Measure(COORD),
    "v1:notifications-detail": Measure(COORD, lambda ids: {"pk": ids.notification_id}),
    "v1:notifications-read": POST,
    "v1:notifications-read-all": POST,
    "v1:funding-grant-list": Measure(("coordinator", "funder")),
    "v1:funding-grant-detail": Measure(("coordinator", "funder"), pk(lambda ids: ids.grant)),
    "v1:funding-grant-totals": Measure(("coordinator", "funder"), pk(lambda ids: ids.grant)),
    "v1:funding-budget-line-list": Measure(("coordinator", "funder")),
    "v1:funding-budget-line-detail": Measure(COORD, pk(lambda ids: BudgetLine.objects.filter(grant=ids.grant)
                                                        .order_by("pk").first())),
    "v1:funding-tranche-list": Measure(("coordinator", "funder")),
    "v1:funding-tranche-detail": Measure(COORD, pk(lambda ids: Tranche.objects.filter(grant=ids.grant)
                                                   .order_by("pk").first())),
    "v1:funding-obligation-list": Measure(("coordinator", "funder")),
    "v1:funding-obligation-detail": Measure(COORD, pk(lambda ids: ReportingObligation.objects.filter(
        grant=ids.grant).order_by("pk").first())),
    "v1:funding-expense-list": Measure(COORD),
    "v1:funding-expense-detail": Measure(COORD, pk(lambda ids: Expense.objects.filter(grant=ids.grant)
                                                   .order_by("pk").first())),
    "v1:funding-expense-receipt": ONE,
    "v1:funding-allowance-cap-list": Measure(COORD),
    "v1:funding-allowance-payment-list": Measure(COORD),
    "v1:funding-allowance-payment-detail": Measure(COORD, pk(lambda ids: AllowancePayment.objects.filter(
        volunteer__project=ids.project).order_by("pk").first())),
    "v1:funding-declared-allowance-list": Measure(COORD),
    "v1:funding-declared-allowance-detail": Skip("the demo declares no allowances elsewhere; one object"),
    "v1:funding-report-list": Measure(("coordinator", "funder")),
    "v1:funding-report-detail": Measure(("coordinator",), lambda ids: {"pk": ids.report_id}),
    "v1:funding-report-sign-off": POST,
    # --- admin (stock Django admin): the change lists are measured, single objects are not ----
    "admin:*_changelist": Measure(ADMIN),
    "admin:*_add": Skip("an empty form"),
    "admin:*_change": ONE,
    "admin:*_delete": ONE,
    "admin:*_history": ONE,
    "admin:?": Skip("a redirect to the change page"),
    "admin:index": Measure(ADMIN),
    "admin:login": Skip("the sign-in form"),
    "admin:logout": POST,
    "admin:password_change": Skip("a form"),
    "admin:password_change_done": Skip("a confirmation"),
    "admin:autocomplete": Skip("needs a field to complete; paginated by Django (20)"),
    "admin:jsi18n": Skip("the JavaScript catalogue"),
    "admin:view_on_site": Skip("a redirect"),
    "admin:auth_user_password_change": ONE,
    "admin:otp_totp_totpdevice_config": ONE,
    "admin:otp_totp_totpdevice_qrcode": ONE,
    "admin:app_list": Measure(ADMIN, lambda ids: {"app_label": "duos"}),
    # --- pages ------------------------------------------------------------------------------
    "netwerk:index": Measure(COORD),
    "netwerk:participant-maps": Measure(COORD, lambda ids: {"participant_id": ids.participant.pk}),
    "netwerk:map-create": POST,
    "netwerk:maps-erase": POST,
    "netwerk:map-edit": Measure(COORD, lambda ids: {"map_id": ids.network_map.pk}),
    "netwerk:map-delete": POST,
    "netwerk:map-picture": Measure(COORD, lambda ids: {"map_id": ids.network_map.pk}),
    "netwerk:map-change": Measure(COORD, lambda ids: {"map_id": ids.network_map.pk}),
    "netwerk:map-export": Measure(COORD, lambda ids: {"map_id": ids.network_map.pk, "fmt": "graphml"}),
    "netwerk:project-export": Skip("a report over the whole project: grows with the maps by design"),
    "matching:index": Measure(COORD, status=302),  # to the one project
    "matching:project": Measure(COORD, lambda ids: {"project_id": ids.project.pk}, status=302),  # to the last run
    "matching:start": POST,
    "matching:run": Measure(COORD, lambda ids: {"run_id": ids.run.pk}),
    "matching:suggestion": Measure(COORD, lambda ids: {"participant_id": ids.participant.pk}),
    "matching:pooled": Measure(("orgadmin",), lambda ids: {"organisation_id": ids.project.organisation_id}),
    "matching:accept": POST,
    "matching:reject": POST,
    "matching:lock": POST,
    "matching:forbid": POST,
    "matching:unlock": POST,
    "matching:unforbid": POST,
    "notifications:inbox": Measure(("coordinator", "volunteer")),
    "notifications:mark-read": POST,
    "notifications:mark-all-read": POST,
    "notifications:preference": POST,
    "funding:portal": Measure(("funder",)),
    # One project: the report made on the request (200); more: a job asked for, and a redirect to
    # its page (302, issue 20). The demo's funder has one project at the small size, more at the big.
    "funding:portfolio": Measure(("funder",), lambda ids: {"funder_id": ids.funder.pk}, status=(200, 302)),
    "funding:portfolio-job": Measure(("funder",), lambda ids: {"job_id": ids.portfolio_job_id}),
    "funding:portfolio-job-progress": Measure(("funder",), lambda ids: {"job_id": ids.portfolio_job_id}),
    "funding:portfolio-job-download": ONE,
    "funding:portfolio-job-retry": POST,
    "funding:portfolio-as": Skip("the portfolio report as a file: a report, grows with the projects by design"),
    "funding:grants": Measure(COORD),
    "funding:grant": Measure(COORD, lambda ids: {"grant_id": ids.grant.pk}),
    "funding:report": Measure(COORD, lambda ids: {"report_id": ids.report_id}),
    "funding:report-as": Skip("a report as a file (spreadsheet, CSV): grows with the grant by design"),
    "funding:report-pdf": Skip("a report as a PDF: grows with the grant by design"),
    "funding:report-sign-off": POST,
    "funding:allowances-start": Measure(COORD, status=302),  # to the one project
    "funding:allowances": Measure(COORD, lambda ids: {"project_id": ids.project.pk}),
    "funding:allowances-csv": Skip("an export of the year's allowances: grows by design"),
    "security:two-factor": Skip("a form; two-factor sign-in is off here"),
    "security:two-factor-enrol": Skip("a form with a new secret"),
    "security:two-factor-backup-codes": Skip("a list of ten codes"),
    "deployment:enrol": Skip("needs a one-time token"),
    "deployment:enrol-done": Skip("a confirmation"),
    "web:login": Skip("the sign-in form"),
    "web:logout": POST,
    "web:home": Skip("a redirect by role"),
    "web:coordinator-home": Measure(COORD, status=302),  # to the one project
    "web:coordinator-today": Measure(COORD, lambda ids: {"project_id": ids.project.pk}),
    "web:coordinator-participants": Measure(COORD, lambda ids: {"project_id": ids.project.pk}),
    "web:coordinator-participant-intake": Measure(COORD, lambda ids: {"project_id": ids.project.pk}),
    "web:coordinator-volunteers": Measure(COORD, lambda ids: {"project_id": ids.project.pk}),
    "web:coordinator-volunteer-intake": Measure(COORD, lambda ids: {"project_id": ids.project.pk}),
    "web:coordinator-duos": Measure(COORD, lambda ids: {"project_id": ids.project.pk}),
    "web:coordinator-participant": Measure(COORD, lambda ids: {"participant_id": ids.participant.pk}),
    "web:coordinator-participant-edit": Measure(COORD, lambda ids: {"participant_id": ids.participant.pk}),
    "web:coordinator-participant-consent": Measure(COORD, lambda ids: {"participant_id": ids.participant.pk}),
    "web:coordinator-volunteer": Measure(COORD, lambda ids: {"volunteer_id": ids.volunteer.pk}),
    "web:coordinator-volunteer-edit": Measure(COORD, lambda ids: {"volunteer_id": ids.volunteer.pk}),
    "web:coordinator-duo": Measure(COORD, lambda ids: {"duo_id": ids.duo.pk}),
    "web:coordinator-duo-introduce": POST,
    "web:coordinator-duo-activate": POST,
    "web:coordinator-duo-pause": POST,
    "web:coordinator-duo-resume": POST,
    "web:coordinator-duo-close": POST,
    "web:coordinator-duo-goal-add": POST,
    "web:coordinator-goal-edit": ONE,
    "web:coordinator-concern-handle": POST,
    "web:coordinator-check-in-correct": Measure(COORD, lambda ids: {"check_in_id": ids.check_in.pk}),
    "web:volunteer-home": Measure(("volunteer",)),
    "web:volunteer-duo": Measure(("volunteer",), lambda ids: {"duo_id": ids.duo.pk}),
    "web:volunteer-plan-meeting": POST,
    "web:volunteer-check-in": Measure(("volunteer",)),
    "web:volunteer-check-in-edit": Measure(("volunteer",), lambda ids: {"check_in_id": ids.check_in.pk}),
    "web:volunteer-days": Measure(("volunteer",)),
    "web:volunteer-magic-link": Skip("a form that sends a sign-in link"),
    "web:volunteer-magic-login": Skip("needs a one-time token"),
    "web:volunteer-offline": Skip("a static page for the phone"),
    "web:volunteer-manifest": Skip("a static file"),
    "web:volunteer-sw": Skip("a static file"),
    # --- issues 16-21 (invitations, organisation administrator, reports' versions, support loop) ---
    "v1:volunteer-invitation": ONE,
    "v1:volunteer-invitation-resend": POST,
    "v1:participant-needs": Measure(COORD, pk(lambda ids: ids.participant)),
    "v1:duo-reopen": POST,
    "v1:funding-report-annex": Skip("DELETE only"),
    "v1:funding-report-annexes": Measure(COORD, lambda ids: {"pk": ids.report_id}),
    "v1:funding-report-approve": POST,
    "v1:funding-report-request-completion": POST,
    "v1:funding-report-narrative": Measure(COORD, lambda ids: {"pk": ids.report_id}),
    "v1:signal-barrier-types": Measure(COORD),
    "v1:signal-report": Skip("a report over the project's signals: grows with them by design"),
    "v1:signal-list": Measure(COORD),
    "v1:signal-detail": ONE,
    "v1:signal-move": POST,
    "v1:signal-share": POST,
    "v1:aftercare-item-list": Measure(COORD),
    "v1:aftercare-item-detail": ONE,
    "v1:aftercare-item-log": POST,
    "v1:aftercare-settings": Measure(COORD, lambda ids: {"project_id": str(ids.project.pk)}),
    "v1:referral-service-list": Measure(COORD),
    "v1:referral-service-import-csv": POST,
    "v1:referral-service-detail": ONE,
    "v1:referral-list": Measure(COORD),
    "v1:referral-detail": ONE,
    "v1:referral-outcome": POST,
    "v1:evaluation-list": Measure(COORD),
    "v1:evaluation-detail": ONE,
    "funding:receipt": ONE,
    "funding:report-preview": Skip("a report as a PDF: grows with the grant by design"),
    "funding:report-narrative": POST,
    "funding:report-annex-add": POST,
    "funding:report-annex": ONE,
    "funding:report-annex-remove": POST,
    "funding:report-answer": POST,
    "funding:report-delete": Measure(COORD, lambda ids: {"report_id": ids.report_id}),  # the confirmation
    "signals:project": Measure(COORD, lambda ids: {"project_id": ids.project.pk}),
    "signals:signal-new": Measure(COORD, lambda ids: {"participant_id": ids.participant.pk}),
    "signals:signal-move": POST,
    "signals:signal-share": POST,
    "signals:report": Skip("the signal report: grows with the signals by design"),
    "aftercare:index": Measure(COORD),
    "aftercare:item-log": POST,
    "aftercare:participant": Measure(COORD, lambda ids: {"participant_id": ids.participant.pk}),
    "aftercare:settings": Measure(COORD, lambda ids: {"project_id": ids.project.pk}),
    "aftercare:referrals": Measure(COORD),
    "aftercare:participant-referrals": Measure(COORD, lambda ids: {"participant_id": ids.participant.pk}),
    "aftercare:referral-service-new": Measure(COORD),
    "aftercare:referral-service-edit": ONE,
    "aftercare:evaluate-duo": Measure(("coordinator", "volunteer"), lambda ids: {"duo_id": ids.duo.pk}),
    "aftercare:evaluate-participant": Measure(COORD, lambda ids: {"participant_id": ids.participant.pk}),
    "aftercare:referral-outcome": POST,
    "account:security": Measure(COORD),
    "web:coordinator-participant-import": Measure(COORD, lambda ids: {"project_id": ids.project.pk}),
    "web:coordinator-volunteer-import": Measure(COORD, lambda ids: {"project_id": ids.project.pk}),
    "web:coordinator-participant-export": Skip("an export of the project's list: grows by design"),
    "web:coordinator-volunteer-export": Skip("an export of the project's list: grows by design"),
    "web:coordinator-participant-story": ONE,
    "web:coordinator-participant-needs": Measure(COORD, lambda ids: {"participant_id": ids.participant.pk}),
    "web:coordinator-volunteer-invite": POST,
    "web:coordinator-volunteer-invite-again": POST,
    "web:coordinator-duo-reopen": POST,
    "web:volunteer-invitation": Skip("needs a one-time token"),
    "web:orgadmin-home": Measure(("orgadmin",), status=302),  # to the one organisation
    "web:orgadmin-organisation": Measure(("orgadmin",), lambda ids: {"organisation_id": ids.project.organisation_id}),
    "web:orgadmin-volunteer-accounts": Measure(("orgadmin",),
                                               lambda ids: {"organisation_id": ids.project.organisation_id}),
    "web:orgadmin-coordinator-invite": POST,
    "web:orgadmin-coordinator-invite-again": POST,
    "web:orgadmin-coordinator-token-revoke": POST,
    "web:orgadmin-funder-viewer-invite": POST,
    "web:orgadmin-funder-viewer-invite-again": POST,
    "web:orgadmin-volunteer-invite-again": POST,
    "web:orgadmin-support-grant": POST,
    "web:orgadmin-support-end": POST,
    "web:orgadmin-allowance-settings": Measure(("orgadmin",),
                                               lambda ids: {"organisation_id": ids.project.organisation_id}),
    "notification-rules:project": Measure(("orgadmin",), lambda ids: {
        "organisation_id": ids.project.organisation_id, "project_id": ids.project.pk}),
}


def url_names() -> set[str]:
    """Every URL name in the urlconf, with its namespace ("admin:?" for an unnamed admin route)."""

    def walk(patterns: list[Any], namespace: str) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
                yield from walk(p.url_patterns, inner)
            elif isinstance(p, URLPattern):
                name = p.name or "?"
                yield f"{namespace}:{name}" if namespace else name

    return set(walk(get_resolver().url_patterns, ""))


def pin_for(name: str) -> Measure | Skip | None:
    if name in PINS:
        return PINS[name]
    for pattern, pin in PINS.items():
        if "*" in pattern and fnmatch.fnmatchcase(name, pattern):
            return pin
    return None


def ids_for_demo() -> Ids:
    """The demo's coordinator's project, the volunteer login's duo, and what hangs off them."""
    users = {role: User.objects.get(email=f"{login}@{demo.DOMAIN}") for role, login in
             (("admin", "admin"), ("coordinator", "coordinator"), ("volunteer", "volunteer"), ("funder", "funder"))}
    volunteer = Volunteer.objects.get(email=f"volunteer@{demo.DOMAIN}")
    project = volunteer.project
    org_admin = Membership.objects.filter(role=Role.ORG_ADMIN, organisation=project.organisation).first()
    assert org_admin is not None
    users["orgadmin"] = org_admin.user
    duo = Duo.objects.filter(volunteer=volunteer).order_by("pk").first()
    assert duo is not None
    # The latest map of the first participant with an earlier one (so "change" has a before).
    with_two = (NetworkMap.objects.filter(participant__project=project).values("participant_id")
                .annotate(n=Count("id")).filter(n__gte=2).order_by("participant_id").values_list("participant_id",
                                                                                               flat=True))
    network_map = NetworkMap.objects.filter(participant_id=with_two[0]).order_by("date", "pk").last()
    assert network_map is not None
    participant = network_map.participant
    funder = Funder.objects.get(name=demo.FUNDER_NAME)
    grant = Grant.objects.get(project=project, funder=funder)
    report = funding_services.report_create(grant=grant, period_start=grant.start_date,
                                            period_end=dt.date(2026, 2, 28))
    coordinator = users["coordinator"]
    run = matching_services.match_run_start(project=project, by=coordinator, inline=True)
    run.refresh_from_db()
    # A proposal with alternatives (their names cost one query, or none when there are none).
    proposal = next((p for p in Proposal.objects.filter(run=run).order_by("pk") if p.alternatives), None)
    assert proposal is not None, run.status
    forbidden = matching_services.pair_rule_forbid(participant=proposal.participant, volunteer=proposal.volunteer,
                                                   by=coordinator, reason="test")
    other = Proposal.objects.filter(run=run).exclude(pk=proposal.pk).order_by("pk").first()
    assert other is not None
    locked = matching_services.pair_rule_lock(participant=other.participant, volunteer=other.volunteer,
                                              by=coordinator, reason="test")
    notification_id = inbox_messages(users, project)
    tie = Tie.objects.filter(map__participant__project=project).order_by("pk").first()
    assert tie is not None
    # A portfolio report made by its task (issue 20), shown on its page to the funder who asked.
    job = funding_services.portfolio_job_request(funder=funder, by=users["funder"], start=grant.start_date,
                                                 end=dt.date(2026, 2, 28))
    made = funding_services.portfolio_job_execute(job_id=job.pk)
    assert made is not None and made.status == "done", made and made.error
    return Ids(
        users=users, project=project, participant=participant, volunteer=volunteer, duo=duo,
        goal=Goal.objects.filter(duo=duo).order_by("pk").first() or Goal.objects.filter(duo__project=project).first(),
        # The volunteer's own latest check-in, still theirs to edit (48 hours after it was sent).
        check_in=editable_check_in(duo, users["volunteer"]),
        concern=CheckIn.objects.filter(duo__project=project, concern=True).order_by("pk").first(),
        network_map=network_map, alter=Alter.objects.filter(map=network_map).order_by("pk").first(), tie=tie,
        funder=funder, grant=grant, report_id=report.pk, run=run, proposal=proposal, forbidden=forbidden,
        locked=locked, notification_id=notification_id, portfolio_job_id=job.pk,
    )


def editable_check_in(duo: Duo, author: User) -> CheckIn:
    """The author's latest check-in on the duo, sent an hour before the frozen now: the demo's
    check-ins carry their real sending time, mostly older than the 48-hour edit window."""
    check_in = CheckIn.objects.filter(duo=duo, author=author).order_by("date", "pk").last()
    assert check_in is not None
    CheckIn.objects.filter(pk=check_in.pk).update(created_at=FROZEN - dt.timedelta(hours=1))
    check_in.refresh_from_db()
    return check_in


def inbox_messages(users: dict[str, User], project: Project) -> int:
    """One inbox message per duo of the project for the coordinator and the volunteer: the inbox
    grows with the data."""
    from notifications import services as notification_services
    from notifications.models import Channel, Kind, Notification
    from notifications.selectors import Recipient

    messages = []
    for duo in Duo.objects.filter(project=project).select_related("volunteer", "participant"):
        for role in ("coordinator", "volunteer"):
            user = users[role]
            messages.append(notification_services.Message(
                Recipient(user.pk, user.language, False), Kind.DUO_ENDING, f"pins-{duo.pk}",
                {"duo": f"{duo.volunteer.first_name} & {duo.participant.first_name}", "end": dt.date(2026, 12, 20)}))
    notification_services.notification_create(messages)
    found = Notification.objects.filter(recipient=users["coordinator"], channel=Channel.INBOX).order_by("pk").first()
    assert found is not None
    return found.pk


def measure(client: Client, ids: Ids) -> dict[tuple[str, str], int]:
    # Both sizes start with the same cold caches (the audit log's content types), so a query
    # paid once per process is counted at both.
    ContentType.objects.clear_cache()
    counts: dict[tuple[str, str], int] = {}
    for name in sorted(url_names()):
        pin = pin_for(name)
        if not isinstance(pin, Measure):
            continue
        kwargs = pin.kwargs(ids)
        if name.startswith("admin:") and name.endswith("_changelist"):
            url = reverse(name)
        else:
            url = reverse(name, kwargs=kwargs or None)
        for role in pin.roles:
            client.force_login(ids.users[role])
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            if response.status_code not in (pin.status if isinstance(pin.status, tuple) else (pin.status,)):
                counts[(name, role)] = -response.status_code
                continue
            counts[(name, role)] = len(queries)
            SQL[(name, role)] = [re.sub(r"'[^']*'|\b\d+\b", "?", q["sql"])[:300] for q in queries.captured_queries]
    return counts


SQL: dict[tuple[str, str], list[str]] = {}  # the last size's queries per path, to show what grew


def test_every_url_name_has_a_pin() -> None:
    missing = sorted(name for name in url_names() if pin_for(name) is None)
    assert not missing, f"URL names without a query-count pin or a reason in PINS: {missing}"
    stale = sorted(p for p in PINS if "*" not in p and p not in url_names())
    assert not stale, f"PINS names no longer in the urlconf: {stale}"


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_every_page_and_api_path_needs_the_same_queries_at_two_sizes() -> None:
    client = Client()
    runs: list[dict[tuple[str, str], int]] = []
    duos: list[int] = []
    sql: list[dict[tuple[str, str], list[str]]] = []
    for scale, projects in SIZES:
        demo.build(scale=scale, projects=projects)
        ids = ids_for_demo()
        duos.append(Duo.objects.filter(project=ids.project).count())
        runs.append(measure(client, ids))
        sql.append(dict(SQL))
    small, big = runs
    refused = {key: -n for key, n in small.items() if n < 0}
    assert not refused, f"paths that did not answer as pinned: {refused}"
    assert duos[1] > 1.5 * duos[0]  # the coordinator's project did grow
    # More queries at the bigger size is an N+1. Fewer is allowed: Django skips a query whose
    # `IN (...)` list is empty (a pool where nobody has a network map yet).
    grown = {key: (small[key], big[key]) for key in small if big[key] > small[key]}
    detail = {key: list((Counter(sql[1][key]) - Counter(sql[0][key])).elements())[:4] for key in grown}
    assert not grown, f"queries at 1x and 2x differ (an N+1?): {grown}; queries in one size only: {detail}"
    assert len(small) > 100
    # A list page whose rows fill a whole page at both sizes hides an N+1 from the comparison
    # (the admin's 100 rows): no path may need this many queries at all.
    heavy = {key: n for key, n in big.items() if n > MAX_QUERIES}
    assert not heavy, f"paths with more than {MAX_QUERIES} queries (a query per row?): {heavy}"
