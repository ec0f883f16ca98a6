"""The coordinator's aftercare page: what is due (and overdue) after closed duos, with a form to
log each contact, and what was done. A volunteer, a funder or another project's coordinator sees
nothing: 404, as for an id that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from buddynet.accounts.selectors import roles_of
from buddynet.errors import ServiceError
from buddynet.features.aftercare import selectors, services
from buddynet.features.aftercare.forms import LogForm
from buddynet.features.aftercare.models import ItemStatus


def _require_office(request: HttpRequest) -> None:
    roles = roles_of(request.user)
    if not (roles.administrator or roles.is_coordinator):
        raise Http404


def _page(request: HttpRequest, *, failed: tuple[int, LogForm] | None = None, status: int = 200) -> HttpResponse:
    items = list(selectors.items_for_user(user=request.user).exclude(status=ItemStatus.CANCELLED)
                 .order_by("due_on", "id"))
    today = timezone.localdate()
    planned, done = [], []
    for item in items:
        if item.status == ItemStatus.PLANNED:
            form = failed[1] if failed and failed[0] == item.pk else LogForm(
                initial={"on": min(today, max(item.due_on, item.duo.closed_on or item.due_on))},
                prefix=f"item-{item.pk}")
            planned.append({"item": item, "form": form, "overdue": item.due_on <= today})
        else:
            done.append(item)
    return render(request, "aftercare/index.html", {"planned": planned, "done": done[::-1]}, status=status)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _require_office(request)
    return _page(request)


@login_required
@require_POST
def item_log(request: HttpRequest, item_id: int) -> HttpResponse:
    _require_office(request)
    item = selectors.item_get_for_user(user=request.user, item_id=item_id)
    form = LogForm(request.POST, prefix=f"item-{item.pk}")
    if form.is_valid():
        try:
            services.aftercare_log(item=item, by=request.user, on=form.cleaned_data["on"],  # type: ignore[arg-type]
                                   mode=form.cleaned_data["mode"], note=form.cleaned_data["note"])
        except ServiceError as exc:
            detail = exc.message if isinstance(exc.message, dict) else {None: exc.message}
            for name, error in detail.items():
                form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, _("Aftercare logged."))
            return redirect(reverse("aftercare:index") + f"#item-{item.pk}")
    return _page(request, failed=(item.pk, form), status=400)
