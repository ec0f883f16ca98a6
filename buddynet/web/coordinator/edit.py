"""Editing a participant or a volunteer after intake, on buddynet's own pages.

The page shows the intake wizard's own step forms (buddynet/web/coordinator_forms.py) as sections
of one form, each with its prefix, filled from the record: the same widgets (language and
interest choices, the week grid, a 0–3 scale per life domain) and the same validation. Nothing is
saved unless every section is valid; the change goes through people/services.py
(participant_save / volunteer_save), so the rules and the audit log (django-auditlog: one entry
with the changed fields and who changed them) are the same as for every other channel.

Consent is not edited here: it has its own history. The status is, as far as a coordinator sets
it by hand (a participant drops out, a volunteer takes a break or stops); the services refuse what
the duo lifecycle and the screening decide (participant_status_check, _status_follows_screening).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from buddynet import vocabulary as v
from buddynet.errors import ServiceError
from buddynet.records.people import services as people_services
from buddynet.records.people.models import Participant, Person, Volunteer
from buddynet.web import coordinator_forms as cf
from buddynet.web.coordinator.views import (
    _base_context,
    _participant,
    _volunteer,
    coordinator_required,
)

PARTICIPANT_SECTIONS: list[tuple[str, type[forms.Form]]] = [
    ("person", cf.ParticipantPersonStep),
    ("daily", cf.ParticipantDailyLifeStep),
    ("needs", cf.NeedsStep),
    ("status", cf.ParticipantStatusStep),
]
VOLUNTEER_SECTIONS: list[tuple[str, type[forms.Form]]] = [
    ("person", cf.PersonStep),
    ("daily", cf.DailyLifeStep),
    ("strengths", cf.StrengthsStep),
    ("screening", cf.ScreeningStep),
    ("status", cf.VolunteerStatusStep),
]
# Keys of the step forms that are not fields of the record.
NOT_SAVED = frozenset({"explained", "privacy_explained"})


def _initial(person: Person, form_class: type[forms.Form], levels: dict[str, int] | None) -> dict[str, Any]:
    """The record's values for the fields of one step form."""
    initial: dict[str, Any] = {}
    for name in form_class.base_fields:
        if hasattr(person, name):
            initial[name] = getattr(person, name)
    if levels is not None and issubclass(form_class, cf.DomainLevelsMixin):
        for code in v.LIFE_DOMAINS:
            initial[f"domain_{code}"] = int(levels.get(code, 0))
    return initial


def _sections(
    request: HttpRequest, person: Person, sections: list[tuple[str, type[forms.Form]]], levels: dict[str, int]
) -> list[forms.Form]:
    data = request.POST if request.method == "POST" else None
    forms_ = [
        form_class(data, prefix=prefix, initial=_initial(person, form_class, levels))
        for prefix, form_class in sections
    ]
    for form in forms_:
        if "privacy_explained" in form.fields:
            # Required at intake; on an existing record it is ticked when the privacy notice was
            # given, and ticking it later records that day (volunteer_edit below).
            form.fields["privacy_explained"].required = False
            form.initial["privacy_explained"] = bool(getattr(person, "privacy_informed_on", None))
    return forms_


def _data(forms_: list[forms.Form]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for form in forms_:
        for key, value in form.cleaned_data.items():
            if key not in NOT_SAVED:
                data[key] = value
    if not data.get("status"):
        data.pop("status", None)  # not sent: unchanged
    for key in ("gender", "email", "phone", "notes", "referred_by"):
        if key in data:
            data[key] = data[key] or ""
    return data


def _field_owner(forms_: list[forms.Form]) -> dict[str, forms.Form]:
    owner: dict[str, forms.Form] = {}
    for form in forms_:
        for name in form.fields:
            owner.setdefault(name, form)
    for form in forms_:
        if isinstance(form, cf.NeedsStep):
            owner["needs"] = form
        if isinstance(form, cf.StrengthsStep):
            owner["strengths"] = form
    return owner


def _show_refusal(forms_: list[forms.Form], error: ServiceError) -> None:
    """A service's refusal next to the field it names, in the section that has that field."""
    message = error.message
    owner = _field_owner(forms_)
    if isinstance(message, dict):
        for name, value in message.items():
            form = owner.get(name, forms_[0])
            target = name if name in form.fields else None
            form.add_error(target, value if isinstance(value, list) else [value])
    else:
        forms_[0].add_error(None, str(message))


def _edit(
    request: HttpRequest, *, person: Person, kind: str, sections: list[tuple[str, type[forms.Form]]],
    levels: dict[str, int], save: Any, done_url: str,
) -> HttpResponse:
    forms_ = _sections(request, person, sections, levels)
    status = 200
    if request.method == "POST":
        if all(form.is_valid() for form in forms_):
            try:
                save(_data(forms_))
            except ServiceError as error:
                _show_refusal(forms_, error)
                status = error.status_code
            else:
                messages.success(request, _("The changes to %(name)s are saved.") % {"name": person.first_name})
                return redirect(done_url)
        else:
            status = 400
    context = _base_context(request, person.project, f"{kind}s")
    context.update(person=person, kind=kind, sections=forms_, cancel_url=done_url,
                   has_errors=any(form.errors for form in forms_))
    return render(request, "web/coordinator/person_edit.html", context, status=status)


@coordinator_required
def participant_edit(request: HttpRequest, participant_id: int) -> HttpResponse:
    person: Participant = _participant(request, participant_id)

    def save(data: dict[str, Any]) -> None:
        people_services.participant_save(participant=person, data=data, by=request.user)

    return _edit(request, person=person, kind="participant", sections=PARTICIPANT_SECTIONS,
                 levels=person.needs or {}, save=save,
                 done_url=reverse("web:coordinator-participant", args=[person.pk]))


@coordinator_required
def volunteer_edit(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    person: Volunteer = _volunteer(request, volunteer_id)

    def save(data: dict[str, Any]) -> None:
        explained = request.POST.get("screening-privacy_explained") in ("on", "true", "1")
        if explained and person.privacy_informed_on is None:
            data["privacy_informed_on"] = timezone.localdate()
        people_services.volunteer_save(volunteer=person, data=data)

    return _edit(request, person=person, kind="volunteer", sections=VOLUNTEER_SECTIONS,
                 levels=person.strengths or {}, save=save,
                 done_url=reverse("web:coordinator-volunteer", args=[person.pk]))
