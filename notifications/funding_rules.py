"""Reporting-obligation rules — NOT YET IN THE REGISTRY (notifications.rules.RULES).

They need funding's ReportingObligation (grant → project, funder; kind, due_on, submitted_on,
approved_on), which is built in the funding branch. After the merge: add `obligation_due` to
rules.RULES (and `obligations` to the Snapshot via `load_obligations`), and write their tests
(due in 14 days: once, not before, not twice; overdue: once after the due day). Until then this
module is not imported anywhere and the rules do not run.

Recipients: the project's coordinators and the funder's users. No participant is named.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.apps import apps

from notifications import selectors
from notifications.models import Kind
from notifications.rules import Snapshot
from notifications.services import Message


def load_obligations() -> list[dict[str, Any]]:
    """Open obligations (not submitted), with what the messages need: one query."""
    obligation = apps.get_model("funding", "ReportingObligation")
    return list(
        obligation.objects.filter(submitted_on=None)
        .values("id", "kind", "due_on", "grant__project_id", "grant__project__name", "grant__funder_id",
                "grant__funder__name")
        .order_by("id")
    )


def obligation_due(s: Snapshot, obligations: list[dict[str, Any]],
                   funders: dict[int, list[selectors.Recipient]]) -> Iterable[Message]:
    """Due within the project's obligation_warn_days (default 14): once. Past due and not
    submitted: once more, as overdue. `funders` maps funder id → its users (one query:
    Membership role funder), loaded beside the snapshot."""
    for o in obligations:
        project_id = o["grant__project_id"]
        settings = s.projects.get(project_id)
        if settings is None:
            continue
        due: date = o["due_on"]
        context = {"what": o["kind"], "project": o["grant__project__name"], "funder": o["grant__funder__name"],
                   "due": due}
        recipients = [*s.coordinators.get(project_id, ()), *funders.get(o["grant__funder_id"], ())]
        if s.today > due and settings.on(Kind.OBLIGATION_OVERDUE):
            kind, key = Kind.OBLIGATION_OVERDUE, f"obligation_overdue:obligation:{o['id']}:{due}"
        elif due - timedelta(days=settings.rules.obligation_warn_days) <= s.today <= due and settings.on(
                Kind.OBLIGATION_DUE):
            kind, key = Kind.OBLIGATION_DUE, f"obligation_due:obligation:{o['id']}:{due}"
        else:
            continue
        for recipient in recipients:
            yield Message(recipient, kind, key, context, "/")
