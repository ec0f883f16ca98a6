"""The volunteer's phone pages: My duos, log a check-in (also offline), history, next meeting,
days volunteered, and signing in with a magic link.

Access: every page is for the signed-in user *as a volunteer*. Duos come from
duos.selectors.duo_get_for_user/duos_for_user with role="volunteer" (the user's own volunteer
record only), so another volunteer's duo — or a duo the user sees as coordinator — answers 404,
by URL guessing too.

Caching and offline (the decision, see also static/web/volunteer-sw.js):
- every page here answers `Cache-Control: no-store` (plus private, no-cache): no browser HTTP
  cache, back-forward cache or proxy keeps a copy of a buddy's name or a note;
- the service worker (scope /mijn/) keeps its *own* copy of the volunteer pages it fetched, in
  Cache Storage of this origin, so visited pages open offline. That copy is deleted on sign-out,
  when the server answers with the sign-in page (session over), and when it is older than
  OFFLINE_PAGE_DAYS. Cache Storage is explicit storage, not HTTP caching: no-store does not
  govern it, which is exactly why the worker, not the browser, decides what is kept.
- a check-in saved offline lives in IndexedDB (only what the volunteer typed) until the server
  answers it; the client UUID makes a resend store one row. It is sent by the page (when it
  opens, or the connection returns) and, in browsers with Background Sync, by the service
  worker, also after the page was closed (static/web/volunteer-outbox.js, shared by both).

Session policy (README): the limits are buddynet.security.sessions' (volunteers: 30 idle days,
VOLUNTEER_SESSION_DAYS (90) at most; office roles: 30 idle minutes, 12 hours at most). Here only
the volunteer's choice on their own phone: "keep me signed in" (checked by default, or a magic
link) keeps the cookie; unchecked, the cookie ends when the browser closes.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from sesame import settings as sesame_settings
from sesame.views import LoginView as SesameLoginView

from buddynet.errors import ServiceError
from buddynet.features.signals import selectors as signals_selectors
from buddynet.records.accounts import services as accounts_services
from buddynet.records.accounts.invitations import INVITATION_SCOPE, invitation_max_age
from buddynet.records.accounts.models import User
from buddynet.records.accounts.selectors import roles_of
from buddynet.records.accounts.types import Actor
from buddynet.records.duos import selectors, services
from buddynet.records.duos.models import CheckIn, Duo
from buddynet.records.people.models import Volunteer
from buddynet.security.audit import client_address
from buddynet.security.ratelimit import bucket, ip_bucket_value, rate_limit_hit
from buddynet.security.sessions import BROWSER_ONLY_KEY, VOLUNTEER, session_policy_for
from buddynet.web.volunteer_forms import MOODS, CheckInForm, DayForm, MagicLinkForm, MeetingForm, contacts_shown

log = logging.getLogger(__name__)

LONG_SESSION_KEY = "buddynet_long_session"  # the day the long session was last renewed
OFFLINE_PAGE_DAYS = 30
LOGGABLE_STATUSES = services.LOGGABLE_STATUSES
STATIC_DIR = Path(__file__).resolve().parent / "static" / "web"


# --- Session policy ---------------------------------------------------------------------------
def _volunteer_only(user: Actor) -> bool:
    return session_policy_for(user) == VOLUNTEER


def apply_session_policy(request: HttpRequest, user: User, *, remember: bool) -> None:
    """How long this sign-in lasts: long on a volunteer's own phone, a working day otherwise."""
    if not _volunteer_only(user):
        request.session.set_expiry(None)  # SESSION_COOKIE_AGE
        request.session.pop(LONG_SESSION_KEY, None)
        request.session.pop(BROWSER_ONLY_KEY, None)
    elif remember:
        request.session.pop(BROWSER_ONLY_KEY, None)  # a second sign-in on the same session may tick it
        request.session[LONG_SESSION_KEY] = timezone.localdate().isoformat()
        request.session.set_expiry(dt.timedelta(days=settings.VOLUNTEER_SESSION_DAYS))
    else:
        request.session[BROWSER_ONLY_KEY] = True  # the timeout middleware keeps this choice
        request.session.set_expiry(0)  # until the browser closes


@receiver(user_logged_in, dispatch_uid="buddynet.web.volunteer.session_policy")
def _on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    # The password form sends "remember"; a magic link arrives on the phone that reads the
    # volunteer's mail, so it counts as their own device.
    remember = request.POST.get("remember") == "on" or sesame_settings.TOKEN_NAME in request.GET
    apply_session_policy(request, user, remember=remember)


def _renew_long_session(request: HttpRequest) -> None:
    # With the per-role timeouts on (always, outside tests that switch them off), their
    # middleware slides the expiry itself; renewing here too would stretch the cookie past the
    # idle limit every other request.
    if settings.BUDDYNET_SESSION_POLICY:
        return
    # Renewed at most once a day: a session write on every page would cost a query each time.
    today = timezone.localdate().isoformat()
    if request.session.get(LONG_SESSION_KEY) not in (None, today):
        request.session[LONG_SESSION_KEY] = today
        request.session.set_expiry(dt.timedelta(days=settings.VOLUNTEER_SESSION_DAYS))


# --- Plumbing ----------------------------------------------------------------------------------
def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def volunteer_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, a volunteer, no-store; JSON callers (the offline queue) get 401 instead of a redirect."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if _wants_json(request):
                response: HttpResponse = JsonResponse({"detail": _("Please sign in again.")}, status=401)
            else:
                from django.contrib.auth.views import redirect_to_login

                response = redirect_to_login(request.get_full_path())
        elif roles_of(request.user).volunteer_id is None:
            raise PermissionDenied(_("These pages are for volunteers."))
        else:
            _renew_long_session(request)
            response = view(request, *args, **kwargs)
        add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate, private
        return response

    return wrapped


def _days_since(day: dt.date | None) -> int | None:
    return None if day is None else (timezone.localdate() - day).days


def _loggable_duos(user: Actor) -> Any:
    # The volunteer's duos without the last-contact aggregate: only offered as choices.
    return selectors.duos_in_scope(user=user, role="volunteer").filter(status__in=LOGGABLE_STATUSES).select_related(
        "participant").order_by("participant__first_name", "id")


def _editable(check_in: CheckIn, user: User | AnonymousUser) -> bool:
    return services.check_in_edit_refusal(check_in=check_in, by=user) is None


# --- Pages -------------------------------------------------------------------------------------
@volunteer_page
def home(request: HttpRequest) -> HttpResponse:
    """My duos: per open duo the buddy's first name, days since contact, next meeting, goals."""
    duos = list(selectors.open_duos_of_volunteer(user=request.user).prefetch_related("goals"))
    rows = [
        {
            "duo": duo,
            "days_since": _days_since(duo.last_check_in_on),  # type: ignore[attr-defined]
            "goals": [g for g in duo.goals.all() if g.status == g.Status.OPEN],
            "loggable": duo.status in LOGGABLE_STATUSES,
        }
        for duo in duos
    ]
    return render(request, "web/volunteer/home.html", {"rows": rows, "today": timezone.localdate()})


@volunteer_page
def duo_detail(request: HttpRequest, duo_id: int) -> HttpResponse:
    duo = selectors.duo_get_for_user(user=request.user, duo_id=duo_id, role="volunteer")
    return _render_duo(request, duo, MeetingForm(initial={"on": duo.next_meeting_on}))


def _render_duo(request: HttpRequest, duo: Duo, meeting_form: MeetingForm, status: int = 200) -> HttpResponse:
    check_ins = list(duo.check_ins.select_related("author", "concern_handled_by").order_by("-date", "-id")[:50])
    moods = dict(MOODS)
    for check_in in check_ins:
        check_in.editable = _editable(check_in, request.user)  # type: ignore[attr-defined]
        check_in.mood_label = moods.get(str(check_in.mood), "")  # type: ignore[attr-defined]
        check_in.contacts_shown = contacts_shown(check_in.new_contacts)  # type: ignore[attr-defined]
    if meeting_form.is_bound:
        meeting_value = meeting_form.data.get("on", "")
    else:
        on = meeting_form.initial.get("on")
        meeting_value = on.isoformat() if on else ""
    return render(request, "web/volunteer/duo.html", {
        "duo": duo, "goals": list(duo.goals.all()), "check_ins": check_ins, "meeting_form": meeting_form,
        "days_since": _days_since(duo.last_check_in_on),  # type: ignore[attr-defined]
        "loggable": duo.status in LOGGABLE_STATUSES, "meeting_value": meeting_value,
        "today": timezone.localdate(),
    }, status=status)


@require_POST
@volunteer_page
def plan_meeting(request: HttpRequest, duo_id: int) -> HttpResponse:
    duo = selectors.duo_get_for_user(user=request.user, duo_id=duo_id, role="volunteer")
    form = MeetingForm(request.POST)
    if form.is_valid():
        try:
            services.duo_plan_meeting(duo=duo, by=request.user, on=form.cleaned_data["on"])
        except ServiceError as exc:
            form.add_error(None, exc.message if isinstance(exc.message, str) else str(exc))
        else:
            messages.success(request, _("The next meeting is saved.") if form.cleaned_data["on"]
                             else _("The next meeting is removed."))
            return redirect("web:volunteer-duo", duo_id=duo.pk)
    return _render_duo(request, duo, form, status=400)


def _check_in_page(request: HttpRequest, form: CheckInForm, *, check_in: CheckIn | None = None,
                   status: int = 200) -> HttpResponse:
    return render(request, "web/volunteer/check_in.html", {
        "form": form, "check_in": check_in, "moods": MOODS, "today": timezone.localdate(),
        "barrier_types": [] if check_in else signals_selectors.barrier_types_offered(),
    }, status=status)


def _errors_json(form: CheckInForm, status: int) -> JsonResponse:
    errors = {name or "__all__": [e["message"] for e in errs] for name, errs in form.errors.get_json_data().items()}
    return JsonResponse({"errors": errors}, status=status)


@volunteer_page
def check_in_new(request: HttpRequest) -> HttpResponse:
    """Log a contact moment. A plain form POST works without JavaScript; volunteer.js sends the
    same fields with Accept: application/json from its offline queue and gets JSON back."""
    if request.method != "POST":
        duos = _loggable_duos(request.user)
        initial: dict[str, Any] = {"date": timezone.localdate(), "mode": "in_person"}
        choices = list(duos)
        chosen = request.GET.get("duo")
        if len(choices) == 1:
            initial["duo"] = choices[0].pk
        elif chosen and chosen.isdigit() and any(d.pk == int(chosen) for d in choices):
            initial["duo"] = int(chosen)
        return _check_in_page(request, CheckInForm(duos=duos, initial=initial))

    author = request.headers.get("X-Buddynet-Author")
    if author is not None and author != str(request.user.pk):
        # From the outbox on a shared phone: the entry of a volunteer who is not the one signed
        # in now (the service worker cannot tell who is). Kept on the phone for its author.
        return JsonResponse({"detail": _("Please sign in again.")}, status=403)
    # Without the duos: the form takes the duo's id, and check_in_record's INSERT checks that
    # it is one of the volunteer's loggable duos (no look-up first). The page shows them again
    # only when the form comes back with a message.
    form = CheckInForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            with transaction.atomic():
                # New contacts reach the network map through netwerk's listener to the
                # check_in_recorded event, as from the API.
                check_in, created = services.check_in_record(
                    duo=form.cleaned_data["duo"], author=request.user,
                    client_uuid=form.cleaned_data.get("client_uuid"), data=form.check_in_data(),
                    barrier=form.barrier(),
                )
        except services.DuoOutOfReach:
            form.add_error("duo", form.fields["duo"].error_messages["invalid_choice"])
        except ServiceError as exc:
            form.add_service_error(exc)
            status = exc.status_code
        else:
            target = reverse("web:volunteer-duo", kwargs={"duo_id": check_in.duo_id})
            if created:
                # Shown on the duo's page, whose heading names the buddy: naming them here too
                # would cost every check-in a look-up of the name.
                messages.success(request, _("Thank you! Your contact is saved."))
            if _wants_json(request):
                return JsonResponse({"id": check_in.pk, "created": created, "redirect": target},
                                    status=201 if created else 200)
            return redirect(target)
    if _wants_json(request):
        return _errors_json(form, status)
    form.show_duos(_loggable_duos(request.user))
    return _check_in_page(request, form, status=status)


@volunteer_page
def check_in_edit(request: HttpRequest, check_in_id: int) -> HttpResponse:
    check_in = selectors.check_in_get_for_volunteer(user=request.user, check_in_id=check_in_id)
    if not _editable(check_in, request.user):
        return render(request, "web/volunteer/not_editable.html", {"check_in": check_in}, status=403)
    if request.method != "POST":
        form = CheckInForm(initial=CheckInForm.initial_for(check_in), editing=True)
        return _check_in_page(request, form, check_in=check_in)
    form = CheckInForm(request.POST, editing=True)
    status = 400
    if form.is_valid():
        try:
            services.check_in_update(check_in=check_in, by=request.user, data=form.check_in_data())
        except ServiceError as exc:
            form.add_service_error(exc)
            status = exc.status_code
        else:
            if _wants_json(request):
                return JsonResponse({"id": check_in.pk, "redirect": reverse(
                    "web:volunteer-duo", kwargs={"duo_id": check_in.duo_id})})
            messages.success(request, _("Your changes are saved."))
            return redirect("web:volunteer-duo", duo_id=check_in.duo_id)
    if _wants_json(request):
        return _errors_json(form, status)
    return _check_in_page(request, form, check_in=check_in, status=status)


@volunteer_page
def days(request: HttpRequest) -> HttpResponse:
    """Days volunteered, for the flat-rate allowance: mark today in one tap, or another day."""
    volunteer_id = roles_of(request.user).volunteer_id
    volunteer_record = Volunteer.objects.get(pk=volunteer_id)
    form = DayForm(initial={"date": timezone.localdate()})
    status = 200
    if request.method == "POST":
        form = DayForm(request.POST)
        if form.is_valid():
            day = form.cleaned_data["date"]
            try:
                if request.POST.get("action") == "unmark":
                    services.volunteer_day_unmark(volunteer=volunteer_record, day=day, by=request.user)
                    messages.success(request, _("%(day)s is no longer marked.") % {"day": _format(day)})
                else:
                    _row, created = services.volunteer_day_mark(volunteer=volunteer_record, day=day, by=request.user)
                    messages.success(request, (_("%(day)s is marked as a day volunteered.") if created
                                               else _("%(day)s was already marked.")) % {"day": _format(day)})
            except ServiceError as exc:
                form.add_error(None, str(exc.message) if not isinstance(exc.message, dict)
                               else "; ".join(str(v) for v in exc.message.values()))
            else:
                return redirect("web:volunteer-days")
        status = 400
    year = timezone.localdate().year
    marked = list(selectors.volunteer_days_in_year(volunteer_id=volunteer_record.pk, year=year).order_by("-date"))
    return render(request, "web/volunteer/days.html", {
        "form": form, "marked": marked, "year": year, "today": timezone.localdate(),
        "today_marked": any(d.date == timezone.localdate() for d in marked),
    }, status=status)


def _format(day: dt.date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "DATE_FORMAT")


# --- Sign-in with a magic link -------------------------------------------------------------------
def magic_link_request(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link by email. The answer is the same whether the address is known or
    not, so the page cannot be used to find out who volunteers here."""
    form = MagicLinkForm(request.POST or None)
    # "sent" on the page also when over the limit: the answer never differs.
    sent = request.method == "POST" and form.is_valid()
    if sent and _magic_link_allowed(request, form.cleaned_data["email"]):
        accounts_services.magic_link_send(
            email=form.cleaned_data["email"],
            login_url=request.build_absolute_uri(reverse("web:volunteer-magic-login")),
        )
    response = render(request, "web/volunteer/magic_link.html", {"form": form, "sent": sent},
                      status=400 if request.method == "POST" and not sent else 200)
    add_never_cache_headers(response)
    return response


def _magic_link_allowed(request: HttpRequest, email: str) -> bool:
    """Counts this request against the limits per address and per client IP address (every
    request, known address or not, so the limit says nothing about who has an account)."""
    address = client_address(request)
    over = rate_limit_hit(limits={
        "address": (bucket("magic-link-email", email.strip().lower()), settings.MAGIC_LINK_LIMIT_PER_ADDRESS),
        "IP address": (bucket("magic-link-ip", ip_bucket_value(address)), settings.MAGIC_LINK_LIMIT_PER_IP),
    }, window=dt.timedelta(minutes=settings.MAGIC_LINK_WINDOW_MINUTES))
    if over:
        # The client's address helps an administrator block a flood at the proxy; the e-mail
        # address is not logged (it may be someone who never asked).
        log.warning("sign-in link not sent: over the limit per %s (client %s)", " and per ".join(over), address)
    return not over


class MagicLoginView(SesameLoginView):
    """The link in the email: signs in at once (one tap), then My duos."""

    next_page = "web:volunteer-home"

    def login_failed(self) -> HttpResponse:
        response = render(self.request, "web/volunteer/magic_link.html",
                          {"form": MagicLinkForm(), "sent": False, "failed": True}, status=403)
        add_never_cache_headers(response)
        return response



class InvitationLoginView(MagicLoginView):
    """The link in an invitation (accounts/invitations.py): its own scope and a longer life than a
    sign-in link; it too works once (the first sign-in sets last_login)."""

    scope = INVITATION_SCOPE

    @property
    def max_age(self) -> dt.timedelta:  # type: ignore[override]
        return invitation_max_age()


# --- PWA: manifest and service worker ---------------------------------------------------------
def manifest(request: HttpRequest) -> JsonResponse:
    icons = [
        {"src": static("web/icons/volunteer-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("web/icons/volunteer-512.png"), "sizes": "512x512", "type": "image/png"},
        {"src": static("web/icons/volunteer-maskable-512.png"), "sizes": "512x512", "type": "image/png",
         "purpose": "maskable"},
        {"src": static("web/icons/volunteer.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    data = {
        "name": "buddynet – " + _("My duos"), "short_name": "buddynet", "lang": request.LANGUAGE_CODE,
        "start_url": reverse("web:volunteer-home"), "scope": reverse("web:volunteer-home"), "display": "standalone",
        "background_color": "#f7f7f4", "theme_color": "#0b5d4b", "icons": icons,
        "description": _("Log a contact moment with your buddy, also offline."),
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


def service_worker(request: HttpRequest) -> HttpResponse:
    """Served under /mijn/ so its scope covers the volunteer pages (a worker under /static/
    could only control /static/). The static URLs it pre-caches are filled in here, so they
    follow the hashed names of collectstatic."""
    source = (STATIC_DIR / "volunteer-sw.js").read_text(encoding="utf-8")
    precache = [
        static("web/app.css"), static("web/volunteer.css"), static("web/volunteer-outbox.js"),
        static("web/volunteer.js"), static("web/icons/volunteer-192.png"), static("web/icons/volunteer.svg"),
        reverse("web:volunteer-offline"),
    ]
    values = {
        "__PRECACHE__": json.dumps(precache), "__SCOPE__": json.dumps(reverse("web:volunteer-home")),
        "__LOGIN__": json.dumps(reverse("web:login")), "__MAX_AGE_DAYS__": str(OFFLINE_PAGE_DAYS),
        # Background Sync: the outbox code shared with the pages, where it posts, its CSRF cookie.
        "__OUTBOX__": json.dumps(static("web/volunteer-outbox.js")),
        "__SEND__": json.dumps(reverse("web:volunteer-check-in")),
        "__CSRF_COOKIE__": json.dumps(settings.CSRF_COOKIE_NAME),
    }
    for placeholder, value in values.items():
        source = source.replace(placeholder, value)
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    # The browser checks for a new worker on each navigation; never serve a stale one.
    response["Cache-Control"] = "no-cache"
    return response


def offline(request: HttpRequest) -> HttpResponse:
    """Shown by the worker for a page never visited while there is no connection (no personal data)."""
    return render(request, "web/volunteer/offline.html")
