"""The in-app inbox: /meldingen/ — a user's own messages, mark as read, e-mail preference."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import selectors, services
from notifications.models import Frequency

PAGE_SIZE = 25


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox_for_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "page": page,
        "frequency": selectors.preference_of(user=request.user),
        "frequencies": Frequency.choices,
    })


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = selectors.inbox_get_for_user(user=request.user, notification_id=notification_id)
    services.inbox_mark_read(user=request.user, notification=notification)
    target = request.POST.get("next", "")
    # "Open" marks the message read and follows its link — only to a page of this site.
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.inbox_mark_all_read(user=request.user)
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
    services.preference_set(user=request.user, email_frequency=frequency)
    messages.success(request, _("Your e-mail preference is saved."))
    return redirect("notifications:inbox")
