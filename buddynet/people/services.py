"""Writes of organisations, projects, participants and volunteers.

Input arrives validated by the API/form layer; services resolve what depends on other data
(postcode → place) and save atomically.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buddynet.errors import InvalidInput
from buddynet.people import postcodes
from buddynet.people.models import Organisation, Participant, Person, Project, Volunteer


def _apply_postcode(person: Person, postcode: str) -> None:
    place = postcodes.lookup(postcode)
    if place is None:
        raise InvalidInput({"postcode": _("Unknown Belgian postcode: %(code)s.") % {"code": postcode}})
    person.postcode = place.postcode
    person.municipality = place.municipality
    person.latitude = place.latitude
    person.longitude = place.longitude


def _assign(obj: Any, data: dict[str, Any]) -> None:
    for name, value in data.items():
        setattr(obj, name, value)


@transaction.atomic
def organisation_save(*, organisation: Organisation | None = None, data: dict[str, Any]) -> Organisation:
    organisation = organisation or Organisation()
    _assign(organisation, data)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def project_save(*, project: Project | None = None, data: dict[str, Any]) -> Project:
    project = project or Project()
    _assign(project, data)
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def participant_save(
    *, participant: Participant | None = None, data: dict[str, Any], by: Any
) -> Participant:
    """Create or update a participant. Consent, when given, is recorded as given by `by`."""
    participant = participant or Participant()
    previous_status = participant.status if participant.pk else None
    previous_consent = participant.consent_date
    data = dict(data)
    postcode = data.pop("postcode", None)
    _assign(participant, data)
    if postcode is not None:
        _apply_postcode(participant, postcode)
    if participant.consent_date and participant.consent_date != previous_consent:
        participant.consent_recorded_by = by
    if participant.status == Participant.Status.WAITING and (
        previous_status != Participant.Status.WAITING or participant.waiting_since is None
    ):
        participant.waiting_since = participant.waiting_since or timezone.localdate()
    participant.full_clean()
    participant.save()
    return participant


@transaction.atomic
def consent_record(*, participant: Participant, given_on: date, scope: str, by: Any) -> Participant:
    participant.consent_date = given_on
    participant.consent_scope = scope
    participant.consent_recorded_by = by
    participant.full_clean()
    participant.save(update_fields=["consent_date", "consent_scope", "consent_recorded_by", "updated_at"])
    return participant


def volunteer_check_capacity(*, volunteer: Volunteer, capacity: int | None) -> None:
    """Raise InvalidInput when `capacity` is below the volunteer's open duos.

    Forms call it to show the problem next to the field; volunteer_save calls it again under
    the row lock, where the answer is final.
    """
    if volunteer.pk is None or capacity is None:
        return  # a new volunteer has no duos; a missing capacity is full_clean's to refuse
    # "closed" is the one status that frees capacity (duos.models.DuoStatus); named here as a
    # string because the people app does not import the duos app.
    open_duos = volunteer.duos.exclude(status="closed").count()
    if capacity < open_duos:
        raise InvalidInput({"capacity": _(
            "This volunteer has %(open)d open duos; the capacity cannot be lower than that."
        ) % {"open": open_duos}})


@transaction.atomic
def volunteer_save(*, volunteer: Volunteer | None = None, data: dict[str, Any]) -> Volunteer:
    """Create or update a volunteer; the capacity never drops below their open duos.

    The volunteer row is locked first (SELECT ... FOR UPDATE) as duo_propose locks it, so a
    lower capacity and a new duo approved at the same moment are serialised: whichever comes
    second sees the other's row and refuses.
    """
    volunteer = volunteer or Volunteer()
    if volunteer.pk is not None:
        list(Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk", flat=True))
    data = dict(data)
    postcode = data.pop("postcode", None)
    _assign(volunteer, data)
    if postcode is not None:
        _apply_postcode(volunteer, postcode)
    volunteer_check_capacity(volunteer=volunteer, capacity=volunteer.capacity)
    volunteer.full_clean()
    volunteer.save()
    return volunteer
