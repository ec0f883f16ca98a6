"""The organisation administrator's pages (issue 16), under /organisatie/.

An organisation administrator manages their own organisation on buddynet's own pages: its
projects and coordinators (invited here: an account, then a password and a second factor at the
first sign-in). Access, the same on every page (tests/web/test_orgadmin_access.py):
- nobody signed in → the sign-in page;
- anyone who is not an administrator of *this* organisation → 404, as if it did not exist
  (another organisation's administrator, coordinators, volunteers, funders, the platform
  administrator, who reads no organisation's people by default).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from buddynet.errors import ServiceError
from buddynet.features.funding import selectors as funding_selectors
from buddynet.features.funding import services as funding_services
from buddynet.records.accounts import invitations, support
from buddynet.records.accounts.models import Invitation, Membership, Role, SupportAccess, User
from buddynet.records.accounts.selectors import (
    account_state,
    coordinators_of_organisation,
    last_invitations,
    roles_of,
    support_accesses_of,
    volunteer_accounts_of_organisation,
)
from buddynet.records.people.models import Funder, Organisation, Project, Volunteer
from buddynet.records.people.selectors import organisation_get_for_org_admin
from buddynet.security import services as security_services
from buddynet.web.list_filters import kept_list_filter, list_filter
from buddynet.web.orgadmin.forms import (
    AllowanceSettingsForm,
    CoordinatorInviteForm,
    FunderViewerInviteForm,
    SupportAccessForm,
    VolunteerAccountFilter,
)


def _organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    """The organisation, when the caller administers it; 404 for everyone else."""
    return organisation_get_for_org_admin(user=request.user, organisation_id=organisation_id)


def _me(request: HttpRequest) -> User:
    """The signed-in user (every view here is login_required)."""
    return cast(User, request.user)


def _projects(organisation: Organisation) -> list[Project]:
    return list(Project.objects.filter(organisation=organisation).order_by("name"))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The first organisation the caller administers."""
    administered = sorted(roles_of(request.user).administered_organisation_ids)
    if not administered:
        raise Http404
    return redirect("web:orgadmin-organisation", organisation_id=administered[0])


def _funders(organisation: Organisation) -> list[Funder]:
    """The funders with a grant for one of the organisation's projects (funding.Grant)."""
    return list(Funder.objects.filter(grants__project__organisation=organisation).distinct().order_by("name"))


def _funder_rows(organisation: Organisation, funders: list[Funder]) -> list[dict[str, Any]]:
    viewers = list(Membership.objects.filter(role=Role.FUNDER, funder__in=funders).select_related("user")
                   .order_by("user__email"))
    last_sent: dict[int, Any] = {}
    for user_id, sent_at in Invitation.objects.filter(
            user__in=[m.user_id for m in viewers], role=Role.FUNDER).values_list("user_id", "sent_at"):
        last_sent[user_id] = max(sent_at, last_sent.get(user_id, sent_at))
    return [{"funder": funder, "viewers": [
        {"membership": m, "waiting": m.user.last_login is None and not m.user.has_usable_password(),
         "last_sent": last_sent.get(m.user_id)}
        for m in viewers if m.funder_id == funder.pk]} for funder in funders]


def _render(request: HttpRequest, organisation: Organisation, form: CoordinatorInviteForm | None = None,
            status: int = 200, support_form: SupportAccessForm | None = None,
            funder_form: FunderViewerInviteForm | None = None) -> HttpResponse:
    form = form or CoordinatorInviteForm(projects=_projects(organisation))
    coordinators = coordinators_of_organisation(organisation_id=organisation.pk)
    last_sent: dict[int, Any] = {}
    for user_id, sent_at in Invitation.objects.filter(
            user__in=[m.user_id for m in coordinators]).values_list("user_id", "sent_at"):
        last_sent[user_id] = max(sent_at, last_sent.get(user_id, sent_at))
    projects = _projects(organisation)
    # Office API tokens (issue 21): shown with their dates, revocable here.
    tokens = {t.user_id: {"created": t.created, "expires": security_services.api_token_expires_at(t),
                          "last_used": security_services.api_token_last_used_at(t)}
              for t in Token.objects.filter(user__in=[m.user_id for m in coordinators]).select_related("use")}
    rows = [{"project": p, "coordinators": [
        {"membership": m, "waiting": m.user.last_login is None and not m.user.has_usable_password(),
         "last_sent": last_sent.get(m.user_id), "token": tokens.get(m.user_id)}
        for m in coordinators if m.project_id == p.pk]}
        for p in projects]
    now = timezone.now()
    grants = [{"grant": g, "active": g.revoked_at is None and g.until > now}
              for g in support_accesses_of(organisation_id=organisation.pk)]
    funders = _funders(organisation)
    return render(request, "web/orgadmin/organisation.html", {
        "organisation": organisation, "rows": rows, "form": form, "grants": grants,
        "support_form": support_form or SupportAccessForm(),
        "funder_rows": _funder_rows(organisation, funders),
        "funder_form": funder_form or FunderViewerInviteForm(funders=funders),
    }, status=status)


@login_required
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    org = _organisation(request, organisation_id)
    return _render(request, org)


@login_required
@require_POST
def coordinator_invite(request: HttpRequest, organisation_id: int) -> HttpResponse:
    org = _organisation(request, organisation_id)
    form = CoordinatorInviteForm(request.POST, projects=_projects(org))
    if not form.is_valid():
        return _render(request, org, form, status=400)
    data = form.cleaned_data
    try:
        invitations.coordinator_invite(project=data["project"], email=data["email"], full_name=data["full_name"],
                                       by=_me(request), base_url=request.build_absolute_uri("/"))
    except ServiceError as error:
        message = error.message
        form.add_error(None, [str(v) for v in message.values()] if isinstance(message, dict) else str(message))
        return _render(request, org, form, status=error.status_code)
    messages.success(request, _("%(email)s is a coordinator of %(project)s.") % {
        "email": data["email"], "project": data["project"].name})
    return redirect(reverse("web:orgadmin-organisation", args=[org.pk]) + "#coordinators")


@login_required
@require_POST
def coordinator_invite_again(request: HttpRequest, organisation_id: int, user_id: int) -> HttpResponse:
    org = _organisation(request, organisation_id)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    try:
        invitations.coordinator_invitation_resend(user=user, organisation_id=org.pk, by=_me(request),
                                                  base_url=request.build_absolute_uri("/"))
    except ServiceError as error:
        if error.status_code == 403:  # not a coordinator of this organisation: as if unknown
            raise Http404 from None
        messages.error(request, str(error.message))
        response = _render(request, org, CoordinatorInviteForm(projects=_projects(org)))
        response.status_code = error.status_code
        return response
    messages.success(request, _("A new invitation was sent to %(email)s.") % {"email": user.email})
    return redirect(reverse("web:orgadmin-organisation", args=[org.pk]) + "#coordinators")


@login_required
@require_POST
def support_grant(request: HttpRequest, organisation_id: int) -> HttpResponse:
    org = _organisation(request, organisation_id)
    form = SupportAccessForm(request.POST)
    if not form.is_valid():
        return _render(request, org, support_form=form, status=400)
    try:
        support.support_access_grant(organisation=org, by=_me(request), until=form.cleaned_data["until"],
                                     reason=form.cleaned_data["reason"])
    except ServiceError as error:
        message = error.message
        if isinstance(message, dict):
            for name, text in message.items():
                form.add_error(name if name in form.fields else None, str(text))
        else:
            form.add_error(None, str(message))
        return _render(request, org, support_form=form, status=error.status_code)
    messages.success(request, _("Support access granted."))
    return redirect(reverse("web:orgadmin-organisation", args=[org.pk]) + "#support")


@login_required
@require_POST
def support_end(request: HttpRequest, organisation_id: int, grant_id: int) -> HttpResponse:
    org = _organisation(request, organisation_id)
    grant = SupportAccess.objects.filter(pk=grant_id, organisation=org).first()
    if grant is None:
        raise Http404
    try:
        support.support_access_end(grant=grant, by=_me(request))
    except ServiceError as error:
        messages.error(request, str(error.message))
        return _render(request, org, status=error.status_code)
    messages.success(request, _("Support access ended."))
    return redirect(reverse("web:orgadmin-organisation", args=[org.pk]) + "#support")


@login_required
@require_POST
def coordinator_token_revoke(request: HttpRequest, organisation_id: int, user_id: int) -> HttpResponse:
    """Revoke a coordinator's API token (issue 21): the next request that shows it answers 401."""
    org = _organisation(request, organisation_id)
    token = Token.objects.filter(user_id=user_id, user__memberships__role="coordinator",
                                 user__memberships__project__organisation=org).distinct().first()
    if token is None:
        raise Http404
    security_services.api_token_revoke(token=token, by=_me(request))
    messages.success(request, _("The API token is revoked."))
    return redirect(reverse("web:orgadmin-organisation", args=[org.pk]) + "#coordinators")


@login_required
@require_POST
def funder_viewer_invite(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Issue 16: a new viewer account for a funder of one of the organisation's projects."""
    org = _organisation(request, organisation_id)
    form = FunderViewerInviteForm(request.POST, funders=_funders(org))
    if not form.is_valid():
        return _render(request, org, funder_form=form, status=400)
    data = form.cleaned_data
    try:
        invitations.funder_viewer_invite(funder=data["funder"], organisation=org, email=data["email"],
                                         full_name=data["full_name"], by=_me(request),
                                         base_url=request.build_absolute_uri("/"))
    except ServiceError as error:
        message = error.message
        form.add_error(None, [str(v) for v in message.values()] if isinstance(message, dict) else str(message))
        return _render(request, org, funder_form=form, status=error.status_code)
    messages.success(request, _("%(email)s is a viewer for %(funder)s.") % {
        "email": data["email"], "funder": data["funder"].name})
    return redirect(reverse("web:orgadmin-organisation", args=[org.pk]) + "#funders")


@login_required
@require_POST
def funder_viewer_invite_again(request: HttpRequest, organisation_id: int, user_id: int) -> HttpResponse:
    org = _organisation(request, organisation_id)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    try:
        invitations.funder_viewer_invitation_resend(user=user, organisation=org, by=_me(request),
                                                    base_url=request.build_absolute_uri("/"))
    except ServiceError as error:
        if error.status_code == 403:  # not a viewer of a funder of this organisation: as if unknown
            raise Http404 from None
        messages.error(request, str(error.message))
        return _render(request, org, status=error.status_code)
    messages.success(request, _("A new invitation was sent to %(email)s.") % {"email": user.email})
    return redirect(reverse("web:orgadmin-organisation", args=[org.pk]) + "#funders")


# The volunteer accounts come in numbered pages of this many, sliced in the database: a page
# costs the same queries for 20 volunteers and for 2,000 (tests/test_query_counts.py).
ACCOUNTS_PAGE = 50


def _account_filter(request: HttpRequest, organisation: Organisation) -> tuple[VolunteerAccountFilter,
                                                                              HttpResponse | None]:
    """The list's filter, and the redirect that answers its POST: as on the coordinator's lists
    (buddynet/web/list_filters.py), a name typed into the search box never travels in the address.
    No filter comes in a link here (links=False): this list is reached from the menu only."""
    return list_filter(request, key=_account_filter_key(organisation), form_class=VolunteerAccountFilter,
                       links=False)


def _account_filter_key(organisation: Organisation) -> str:
    return f"list-filter:orgadmin-volunteers:{organisation.pk}"


def _kept_account_filter(request: HttpRequest, organisation: Organisation) -> VolunteerAccountFilter:
    return kept_list_filter(request, key=_account_filter_key(organisation), form_class=VolunteerAccountFilter)


def _volunteer_page(request: HttpRequest, organisation: Organisation, form: VolunteerAccountFilter) -> dict[str, Any]:
    """One page of the organisation's volunteers with their account state: "none" (not invited),
    "waiting" (invited, expected first sign-in), "active" or "closed"; and when the last link was
    sent. Three queries whatever the size: the count, the page, the invitations of its accounts."""
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = volunteer_accounts_of_organisation(organisation_id=organisation.pk, q=filters.get("q") or "",
                                            state=filters.get("state") or "")
    page = Paginator(qs, ACCOUNTS_PAGE).get_page(request.GET.get("page"))
    volunteers = list(page.object_list)
    users = {v.pk: v.membership.user for v in volunteers if getattr(v, "membership", None) is not None}
    last_sent = last_invitations(user_ids=[u.pk for u in users.values()])
    rows = [{"volunteer": v, "user": users.get(v.pk), "state": account_state(v),
             "last_sent": last_sent.get(users[v.pk].pk) if v.pk in users else None} for v in volunteers]
    return {"organisation": organisation, "rows": rows, "page": page, "form": form,
            "filtered": bool(filters.get("q") or filters.get("state"))}


@login_required
def volunteer_accounts(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Issue 16: the organisation's volunteers and the state of their accounts, paged, with a
    search and a filter on the account's state."""
    org = _organisation(request, organisation_id)
    form, done = _account_filter(request, org)
    if done is not None:
        return done
    return render(request, "web/orgadmin/volunteers.html", _volunteer_page(request, org, form),
                  status=400 if form.errors else 200)


@login_required
@require_POST
def volunteer_invite_again(request: HttpRequest, organisation_id: int, volunteer_id: int) -> HttpResponse:
    org = _organisation(request, organisation_id)
    volunteer = Volunteer.objects.filter(pk=volunteer_id, project__organisation=org).select_related(
        "project__organisation").first()
    if volunteer is None:
        raise Http404
    try:
        invitation = invitations.invitation_resend(
            volunteer=volunteer, by=_me(request),
            login_url=request.build_absolute_uri(reverse("web:volunteer-invitation")))
    except ServiceError as error:
        messages.error(request, str(error.message))
        return render(request, "web/orgadmin/volunteers.html",
                      _volunteer_page(request, org, _kept_account_filter(request, org)), status=error.status_code)
    messages.success(request, _("A new invitation was sent to %(email)s.") % {"email": invitation.user.email})
    return redirect("web:orgadmin-volunteer-accounts", organisation_id=org.pk)


@login_required
@require_http_methods(["GET", "POST"])
def allowance_settings(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Issue 16: what the organisation decides about volunteer allowances within the legal caps."""
    org = _organisation(request, organisation_id)
    current = funding_selectors.allowance_settings_of(organisation_id=org.pk)
    initial = ({"default_kind": current.default_kind, "daily_rate": current.daily_rate,
                "yearly_maximum": current.yearly_maximum} if current is not None else {"default_kind": "flat_rate"})
    form = AllowanceSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                funding_services.allowance_settings_save(organisation=org, by=_me(request), **form.cleaned_data)
            except ServiceError as error:
                message = error.message
                if isinstance(message, dict):
                    for name, text in message.items():
                        form.add_error(name if name in form.fields else None, str(text))
                else:
                    form.add_error(None, str(message))
            else:
                messages.success(request, _("The allowance settings are saved."))
                return redirect("web:orgadmin-allowance-settings", organisation_id=org.pk)
        status = 400
    year = timezone.localdate().year
    return render(request, "web/orgadmin/allowances.html", {
        "organisation": org, "form": form, "current": current, "year": year,
        "cap": funding_selectors.allowance_cap_for(year=year),
    }, status=status)
