"""Shared pages: the home address sends each role to its own start page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from buddynet.records.accounts.selectors import roles_of


def _first_existing(*names: str) -> str | None:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Volunteers to My duos, coordinators to Today, funders to their portal, admins to the admin."""
    roles = roles_of(request.user)
    if roles.is_org_admin:
        target = _first_existing("web:orgadmin-home")
    elif roles.is_coordinator:
        target = _first_existing("web:coordinator-home", "admin:index")
    elif roles.volunteer_id is not None:
        target = _first_existing("web:volunteer-home")
    elif roles.funder_ids:
        target = _first_existing("funding:portal")
    elif roles.administrator:
        target = _first_existing("admin:index")
    else:
        target = None
    if target is None:
        return redirect("admin:index") if request.user.is_staff else HttpResponse(status=403)
    return redirect(target)
