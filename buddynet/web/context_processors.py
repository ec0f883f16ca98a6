"""The main menu of the signed-in user's role, for every page that extends web/base.html.

Each role has one menu, the same on its own pages and on the feature pages (network maps,
matching, funding, notifications) and the error pages: `role_menu` is a list of
{"key", "label", "url", "current"} items, built lazily (a page without a header costs nothing).
A coordinator's menu points at the project they last opened (kept in the session by the
coordinator pages, see SESSION_PROJECT), else at their first project.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from buddynet.accounts.selectors import roles_of
from buddynet.people.selectors import projects_for_user

SESSION_PROJECT = "coordinator_project_id"


def remember_project(request: HttpRequest, project_id: int) -> None:
    """Called by the coordinator pages: the menu of other pages points at this project."""
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_PROJECT) != project_id:
        session[SESSION_PROJECT] = project_id


def _coordinator_project(request: HttpRequest, roles: Any) -> int | None:
    wanted = request.session.get(SESSION_PROJECT) if hasattr(request, "session") else None
    if wanted is not None and (roles.administrator or wanted in roles.coordinated_project_ids):
        return int(wanted)
    if roles.coordinated_project_ids:
        return min(roles.coordinated_project_ids)
    first = projects_for_user(user=request.user).values_list("pk", flat=True).first()
    return first


def menu_items(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    roles = roles_of(user)
    items: list[tuple[str, str, str]] = []
    if roles.is_coordinator or roles.administrator:
        project_id = _coordinator_project(request, roles)
        if project_id is not None:
            items += [
                ("today", _("Today"), reverse("web:coordinator-today", args=[project_id])),
                ("participants", _("Participants"), reverse("web:coordinator-participants", args=[project_id])),
                ("volunteers", _("Volunteers"), reverse("web:coordinator-volunteers", args=[project_id])),
                ("duos", _("Duos"), reverse("web:coordinator-duos", args=[project_id])),
                ("matching", _("Matching"), reverse("matching:project", args=[project_id])),
            ]
        items += [
            ("netwerk", _("Network maps"), reverse("netwerk:index")),
            ("funding", _("Funding"), reverse("funding:portal")),
        ]
    if roles.volunteer_id is not None:
        items += [
            ("volunteer-home", _("My duos"), reverse("web:volunteer-home")),
            ("volunteer-check-in", _("Log contact"), reverse("web:volunteer-check-in")),
            ("volunteer-days", _("My days"), reverse("web:volunteer-days")),
        ]
    if roles.funder_ids and not (roles.is_coordinator or roles.administrator):
        items.append(("funding", _("Portfolio"), reverse("funding:portal")))
    if user.is_staff:
        items.append(("admin", _("Back office"), reverse("admin:index")))
    # The current item: the longest address that the page's address starts with.
    path = request.path
    matches = [url for _key, _label, url in items if path.startswith(url)]
    current = max(matches, key=len) if matches else None
    # A section the matching address does not show (the matching index, a project's other pages).
    if current is None and path.startswith(reverse("matching:index")):
        current = next((url for key, _label, url in items if key == "matching"), None)
    return [{"key": key, "label": label, "url": url, "current": url == current} for key, label, url in items]


def role_menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"role_menu": SimpleLazyObject(lambda: menu_items(request))}
