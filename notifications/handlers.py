"""Listeners for buddynet/events.py, subscribed in NotificationsConfig.ready().

They run inside the transaction of the change (the services emit events there), and only write
outbox rows: no broker call, no e-mail. Delivery starts after the commit (services.notify).
Events from apps that may be built after this one (matching, funding) are read defensively:
an attribute that is missing leaves a blank in the message, never an error in the caller's
transaction.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from buddynet import events
from notifications import selectors, services
from notifications.models import Kind
from notifications.services import Message


def _admin_link(obj: Any) -> str:
    try:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except (NoReverseMatch, AttributeError):
        return "/"


def on_concern_raised(check_in: Any) -> None:
    duo = check_in.duo
    context = {"volunteer": duo.volunteer.first_name, "duo": str(duo), "on": check_in.date}
    about = services.about(check_in)
    services.notify(
        Message(r, Kind.CONCERN_RAISED, f"concern_raised:check_in:{check_in.pk}", context, _admin_link(check_in),
                about)
        for r in selectors.coordinators_by_project(project_ids=[duo.project_id]).get(duo.project_id, [])
    )


def on_match_run_finished(run: Any) -> None:
    project_id = getattr(run, "project_id", None)
    if project_id is None:
        return
    project = getattr(run, "project", None)
    status = getattr(run, "get_status_display", None)
    context = {"run": f"#{run.id}", "project": str(project or ""),
               "status": status() if callable(status) else str(getattr(run, "status", ""))}
    about = services.about(run)
    services.notify(
        Message(r, Kind.MATCH_RUN_FINISHED, f"match_run_finished:run:{run.id}", context, _admin_link(run), about)
        for r in selectors.coordinators_by_project(project_ids=[project_id]).get(project_id, [])
    )


def on_allowance_cap_approaching(volunteer: Any, year: int, days: int, amount: Any) -> None:
    context = {"volunteer": f"{volunteer.first_name} {volunteer.last_name}", "year": year, "days": days,
               "amount": amount}
    about = services.about(volunteer)
    services.notify(
        Message(r, Kind.ALLOWANCE_CAP, f"allowance_cap:volunteer:{volunteer.pk}:{year}", context,
                _admin_link(volunteer), about)
        for r in selectors.coordinators_by_project(project_ids=[volunteer.project_id]).get(volunteer.project_id, [])
    )


def on_report_frozen(report: Any) -> None:
    """The funder's users and the project's coordinators get the frozen report, its PDF attached
    (report.pdf's file, read at delivery). No participant is named: funders see aggregates only."""
    grant = getattr(report, "grant", None)
    project_id = getattr(grant, "project_id", None)
    funder_id = getattr(grant, "funder_id", None)
    context = {"project": str(getattr(grant, "project", "") or ""), "funder": str(getattr(grant, "funder", "") or "")}
    recipients = list(selectors.funder_users(funder_id=funder_id)) if funder_id is not None else []
    if project_id is not None:
        recipients += selectors.coordinators_by_project(project_ids=[project_id]).get(project_id, [])
    pdf = getattr(report, "pdf", None)
    attachment = str(getattr(pdf, "name", "") or "")
    about = services.about(report)
    services.notify(
        Message(r, Kind.REPORT_FROZEN, f"report_frozen:report:{report.pk}", context, "/", about, attachment)
        for r in recipients
    )


def subscribe() -> None:
    events.subscribe("concern_raised", on_concern_raised)
    events.subscribe("match_run_finished", on_match_run_finished)
    events.subscribe("allowance_cap_approaching", on_allowance_cap_approaching)
    events.subscribe("report_frozen", on_report_frozen)
