"""The main menu of the signed-in user's role, for every page that extends web/base.html.

Each role has one menu, the same on its own pages and on the feature pages (network maps,
matching, funding, notifications) and the error pages: `role_menu` is a list of
{"key", "label", "url", "current", "per_project"} items, built lazily (a page without a header costs nothing).
A coordinator's menu points at the project of the page when it shows one (the template's
`project`: templatetags/role_menu.py builds those addresses), else at their first project.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from buddynet.records.accounts.selectors import roles_of
from buddynet.records.people.selectors import projects_for_user


def _first_project(request: HttpRequest, roles: Any) -> int | None:
    if roles.coordinated_project_ids:
        return int(min(roles.coordinated_project_ids))
    first: int | None = projects_for_user(user=request.user).values_list("pk", flat=True).first()
    return first


# The items whose address names a project: the template rebuilds them for the page's project.
PER_PROJECT = {"today": "web:coordinator-today", "participants": "web:coordinator-participants",
               "volunteers": "web:coordinator-volunteers", "duos": "web:coordinator-duos",
               "matching": "matching:project", "signals": "signals:project"}


def menu_items(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    roles = roles_of(user)
    items: list[tuple[str, str, str]] = []
    if roles.is_coordinator or roles.administrator:
        project_id = _first_project(request, roles)
        if project_id is not None:
            items += [
                (name, label, reverse(url_name, args=[project_id])) for name, label, url_name in (
                    ("today", _("Today"), "web:coordinator-today"),
                    ("participants", _("Participants"), "web:coordinator-participants"),
                    ("volunteers", _("Volunteers"), "web:coordinator-volunteers"),
                    ("duos", _("Duos"), "web:coordinator-duos"),
                    ("matching", _("Matching"), "matching:project"),
                )
            ]
        items += [
            ("netwerk", _("Network maps"), reverse("netwerk:index")),
            ("aftercare", _("Aftercare"), reverse("aftercare:index")),
            ("referrals", _("Referrals"), reverse("aftercare:referrals")),
            ("funding", _("Funding"), reverse("funding:portal")),
        ]
        if project_id is not None:
            items.append(("signals", _("Signals"), reverse("signals:project", args=[project_id])))
    if roles.volunteer_id is not None:
        items += [
            ("volunteer-home", _("My duos"), reverse("web:volunteer-home")),
            ("volunteer-check-in", _("Log contact"), reverse("web:volunteer-check-in")),
            ("volunteer-days", _("My days"), reverse("web:volunteer-days")),
        ]
    if roles.funder_ids and not (roles.is_coordinator or roles.administrator):
        items.append(("funding", _("Portfolio"), reverse("funding:portal")))
    if roles.is_org_admin:
        # The organisation administrator's pages (issue 16), for the first organisation it administers.
        organisation_id = min(roles.administered_organisation_ids)
        items += [
            ("orgadmin", _("Organisation"), reverse("web:orgadmin-organisation", args=[organisation_id])),
            ("orgadmin-allowances", _("Allowances"),
             reverse("web:orgadmin-allowance-settings", args=[organisation_id])),
            # Issue 18: the organisation administrator bundles the signals into this report.
            ("signals-report", _("Signal report"), reverse("signals:report")),
        ]
    if user.is_staff:
        items.append(("admin", _("Back office"), reverse("admin:index")))
    # The current item: the longest address that the page's address starts with.
    path = request.path
    matches = [url for _key, _label, url in items if path.startswith(url)]
    current = max(matches, key=len) if matches else None
    # A section the matching address does not show (the matching index, a project's other pages).
    if current is None and path.startswith(reverse("matching:index")):
        current = next((url for key, _label, url in items if key == "matching"), None)
    return [{"key": key, "label": label, "url": url, "current": url == current, "per_project": PER_PROJECT.get(key)}
            for key, label, url in items]


def role_menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"role_menu": SimpleLazyObject(lambda: menu_items(request))}
