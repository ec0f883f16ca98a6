"""Listeners for buddynet/events.py, subscribed in NotificationsConfig.ready().

They run inside the transaction of the change (the services emit events there), and only write
outbox rows: no broker call, no e-mail. Delivery starts after the commit (services.notification_create).
The events carry the real records: duos.CheckIn (concern_raised), matching.MatchRun
(match_run_finished, from matching.services._finish), people.Volunteer (allowance_cap_approaching)
and funding.ProgressReport (report_frozen, from funding.services.report_sign_off). Each message
links to the page its recipient works on (notifications/links.py).
"""

from __future__ import annotations

from typing import Any

from buddynet import events
from matching import selectors as matching_selectors
from notifications import links, selectors, services
from notifications.models import Kind
from notifications.selectors import Recipient
from notifications.services import Message


def on_concern_raised(check_in: Any) -> None:
    duo = check_in.duo
    context = {"volunteer": duo.volunteer.first_name, "duo": str(duo), "on": check_in.date}
    about = services.about(check_in)
    link = links.concern(participant_id=duo.participant_id, check_in_id=check_in.pk)
    services.notification_create(
        Message(r, Kind.CONCERN_RAISED, f"concern_raised:check_in:{check_in.pk}", context, link, about)
        for r in selectors.coordinators_by_project(project_ids=[duo.project_id]).get(duo.project_id, [])
    )


def on_concern_handled(check_in: Any) -> None:
    """The volunteer who raised the worry hears that it was followed up. The coordinator's answer
    is not copied into the message (e-mailed, and stored unencrypted): the volunteer reads it on
    the duo's page, where the link leads."""
    duo = check_in.duo
    recipient = selectors.users_by_volunteer(volunteer_ids=[duo.volunteer_id]).get(duo.volunteer_id)
    if recipient is None:
        return
    by = check_in.concern_handled_by
    context = {"buddy": duo.participant.first_name, "on": check_in.date,
               "coordinator": (by.full_name or by.email) if by is not None else "",
               "answered": bool((check_in.concern_handled_note or "").strip())}
    key = f"concern_handled:check_in:{check_in.pk}"
    link = links.volunteer_duo(duo.pk) + f"#ci-{check_in.pk}"
    message = Message(recipient, Kind.CONCERN_HANDLED, key, context, link, services.about(check_in))
    services.notification_create([message])


def on_match_run_finished(run: Any) -> None:
    """A matching.MatchRun reached done or failed: its project's coordinators review it (of a
    pooled run, who coordinates every one of its projects: only they may open it)."""
    recipients = selectors.coordinators_by_project(project_ids=[run.project_id]).get(run.project_id, [])
    if run.pooled:  # the rule that opens the run (matching.selectors), not a copy of it
        project_ids = list(run.projects.values_list("pk", flat=True))
        everywhere = set(matching_selectors.coordinator_ids_of_every(project_ids=project_ids))
        recipients = [r for r in recipients if r.user_id in everywhere]
    # The status label stays lazy: rendered in each recipient's language (messages.render).
    status = run.Status(run.status).label if run.status in run.Status.values else run.status
    context = {"run": f"#{run.pk}", "project": run.project.name, "status": status}
    about = services.about(run)
    services.notification_create(
        Message(r, Kind.MATCH_RUN_FINISHED, f"match_run_finished:run:{run.pk}", context, links.match_run(run.pk),
                about)
        for r in recipients
    )


def on_allowance_cap_approaching(volunteer: Any, year: int, days: int, amount: Any) -> None:
    context = {"volunteer": f"{volunteer.first_name} {volunteer.last_name}", "year": year, "days": days,
               "amount": amount}
    about = services.about(volunteer)
    services.notification_create(
        Message(r, Kind.ALLOWANCE_CAP, f"allowance_cap:volunteer:{volunteer.pk}:{year}", context,
                links.allowances(project_id=volunteer.project_id, year=year), about)
        for r in selectors.coordinators_by_project(project_ids=[volunteer.project_id]).get(volunteer.project_id, [])
    )


def on_report_frozen(report: Any) -> None:
    """A funding.ProgressReport was signed off: the funder's users and the project's coordinators
    get it, its PDF attached (the stored file's name in default storage, read at delivery), each
    person once. No participant is named: funders see aggregates only."""
    grant = report.grant
    recipients: dict[int, Recipient] = {}
    for r in [*selectors.funder_users(funder_id=grant.funder_id),
              *selectors.coordinators_by_project(project_ids=[grant.project_id]).get(grant.project_id, [])]:
        recipients.setdefault(r.user_id, r)
    context = {"project": grant.project.name, "funder": grant.funder.name}
    about = services.about(report)
    services.notification_create(
        Message(r, Kind.REPORT_FROZEN, f"report_frozen:report:{report.pk}", context, links.report(report.pk), about,
                report.pdf.name)
        for r in recipients.values()
    )


def on_report_answered(report: Any) -> None:
    """A funder answered a funding.ProgressReport version: its project's coordinators hear, with a
    link to the version they now work on (the new one when completion was asked)."""
    grant = report.grant
    requested = report.answer == "completion_requested"
    kind = Kind.REPORT_COMPLETION_REQUESTED if requested else Kind.REPORT_APPROVED
    target = report.next_version.pk if requested else report.pk
    context = {"project": grant.project.name, "funder": grant.funder.name, "version": report.version,
               "comment": report.answer_comment}
    about = services.about(report)
    services.notification_create(
        Message(r, kind, f"{kind.value}:report:{report.pk}", context, links.report(target), about)
        for r in selectors.coordinators_by_project(project_ids=[grant.project_id]).get(grant.project_id, [])
    )


def on_pairing_fit_poor(evaluation: Any) -> None:
    """A poor pairing fit after the first meeting (aftercare.Evaluation): the project's coordinators
    hear once per duo, whichever side answered first (the key names the duo). The participant's own
    words stay inside buddynet."""
    duo = evaluation.duo
    context = {"duo": str(duo), "on": evaluation.date, "side": evaluation.respondent}
    services.notification_create(
        Message(r, Kind.PAIRING_FIT_POOR, f"pairing_fit_poor:duo:{duo.pk}", context, links.coordinator_duo(duo.pk),
                services.about(duo))
        for r in selectors.coordinators_by_project(project_ids=[duo.project_id]).get(duo.project_id, [])
    )


def subscribe() -> None:
    events.subscribe("concern_raised", on_concern_raised)
    events.subscribe("concern_handled", on_concern_handled)
    events.subscribe("match_run_finished", on_match_run_finished)
    events.subscribe("allowance_cap_approaching", on_allowance_cap_approaching)
    events.subscribe("report_frozen", on_report_frozen)
    events.subscribe("report_answered", on_report_answered)
    events.subscribe("pairing_fit_poor", on_pairing_fit_poor)
