"""The in-app inbox: /meldingen/ — a user's own messages, mark as read, e-mail preference; and a
project's follow-up settings for the organisation administrator, under /organisatie/ (orgadmin_urls.py)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from buddynet.errors import ServiceError
from buddynet.features.aftercare import selectors as aftercare_selectors
from buddynet.records.accounts.models import User
from buddynet.records.people.selectors import project_get_for_org_admin
from notifications import selectors, services
from notifications.forms import ProjectRulesForm
from notifications.models import RULE_KINDS, Frequency, ProjectRules

PAGE_SIZE = 25


def _me(request: HttpRequest) -> User:
    """The signed-in user (every view here is login_required)."""
    return cast(User, request.user)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox_for_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "page": page,
        "frequency": selectors.preference_of(user=_me(request)),
        "frequencies": Frequency.choices,
    })


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = selectors.inbox_get_for_user(user=request.user, notification_id=notification_id)
    services.inbox_mark_read(user=_me(request), notification=notification)
    target = request.POST.get("next", "")
    # "Open" marks the message read and follows its link — only to a page of this site.
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.inbox_mark_all_read(user=_me(request))
    if count:
        messages.success(request, _("All messages marked as read."))
    return redirect("notifications:inbox")


@login_required
@require_POST
def set_preference(request: HttpRequest) -> HttpResponse:
    frequency = request.POST.get("email_frequency", "")
    if frequency not in Frequency.values:
        messages.error(request, _("Choose how often you want e-mail."))
        return redirect("notifications:inbox")
    services.preference_set(user=_me(request), email_frequency=frequency)
    messages.success(request, _("Your e-mail preference is saved."))
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def project_rules(request: HttpRequest, organisation_id: int, project_id: int) -> HttpResponse:
    """A project's follow-up settings (issue 16), for the administrator of its organisation: which
    rules send messages, their day thresholds, the contact cadence and the aftercare rules. 404
    for anyone else, as on the organisation administrator's other pages."""
    project = project_get_for_org_admin(user=request.user, organisation_id=organisation_id, project_id=project_id)
    rules = ProjectRules.objects.filter(project=project).first() or ProjectRules(project=project)
    aftercare = aftercare_selectors.settings_of(project_id=project.pk)
    initial = {
        "enabled_kinds": [kind for kind in RULE_KINDS if kind not in (rules.disabled_kinds or ())],
        **{name: getattr(rules, name) for name in services.RULE_FIELDS},
        **{name: getattr(project, name) for name in services.PROJECT_FIELDS},
        "contact_months": ", ".join(str(m) for m in aftercare.contact_months or ()),
        "closure_map": aftercare.closure_map, "interim_map_months": aftercare.interim_map_months,
    }
    form = ProjectRulesForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.project_rules_save(project=project, by=_me(request), data=form.service_data())
            except ServiceError as exc:
                message = exc.message
                for name, text in (message.items() if isinstance(message, dict) else [(None, message)]):
                    field = "enabled_kinds" if name == "disabled_kinds" else name
                    texts = text if isinstance(text, list) else [text]  # full_clean gives lists
                    form.add_error(field if field in form.fields else None, [str(t) for t in texts])
                status = exc.status_code
            else:
                messages.success(request, _("The follow-up settings of %(project)s are saved.")
                                 % {"project": project.name})
                return redirect("notification-rules:project", organisation_id=project.organisation_id,
                                project_id=project.pk)
        else:
            status = 400
    return render(request, "notifications/project_rules.html", {
        "organisation": project.organisation, "project": project, "form": form,
    }, status=status)
