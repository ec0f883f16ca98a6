"""Writes of organisations, projects, participants and volunteers.

Input arrives validated by the API/form layer; services resolve what depends on other data
(postcode → place) and save atomically.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from buddynet.errors import Conflict, InvalidInput, NotAllowed, ServiceError
from buddynet.records.accounts.invitations import volunteer_account_close
from buddynet.records.accounts.models import User
from buddynet.records.accounts.selectors import roles_of, works_on_participant_data
from buddynet.records.people import postcodes
from buddynet.records.people.fields import validate_domain_levels
from buddynet.records.people.models import (
    SCOPE_ORDER,
    ConsentEvent,
    Funder,
    NeedsMeasurement,
    Organisation,
    Participant,
    Person,
    Project,
    Volunteer,
)
from buddynet.records.people.screening import screening_problems


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
def funder_save(*, funder: Funder | None = None, data: dict[str, Any]) -> Funder:
    funder = funder or Funder()
    _assign(funder, data)
    funder.full_clean()
    funder.save()
    return funder


@transaction.atomic
def project_save(*, project: Project | None = None, data: dict[str, Any]) -> Project:
    project = project or Project()
    _assign(project, data)
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def participant_save(
    *, participant: Participant | None = None, data: dict[str, Any], by: User | None
) -> Participant:
    """Create or update a participant. A change of consent (date or scope) is recorded as a
    consent event by `by` (consent_record), so every channel that writes these two fields keeps
    the history; `consent_how` says how it was given (default: a signed form)."""
    participant = participant or Participant()
    # The stored status, not the instance's: a form (the admin's) may have set the new one on it already.
    previous_status = (Participant.objects.filter(pk=participant.pk).values_list("status", flat=True).first()
                       if participant.pk else None)
    data = dict(data)
    postcode = data.pop("postcode", None)
    how = data.pop("consent_how", None) or ConsentEvent.How.SIGNED_FORM
    consent_date = data.pop("consent_date", participant.consent_date)
    consent_scope = data.pop("consent_scope", participant.consent_scope) or ""
    if bool(consent_date) != bool(consent_scope):
        key = "consent_scope" if consent_date else "consent_date"
        raise InvalidInput({key: _("Consent needs both a date and a scope.")})
    # Compared with the stored consent, not the instance: a form (the admin's) may have set the
    # new values on it already. The row keeps the stored consent until consent_record sets it.
    stored: tuple[date | None, str] = (None, "")
    if participant.pk is not None:
        stored = Participant.objects.filter(pk=participant.pk).values_list("consent_date", "consent_scope").get()
    consent_changed = (consent_date, consent_scope) != (stored[0], stored[1] or "")
    participant.consent_date, participant.consent_scope = stored[0], stored[1] or ""
    _assign(participant, data)
    if postcode is not None:
        _apply_postcode(participant, postcode)
    participant_intake_check(status=participant.status, consent_date=consent_date)
    participant_status_check(participant=participant, previous=previous_status)
    if participant.status == Participant.Status.WAITING and (
        previous_status != Participant.Status.WAITING or participant.waiting_since is None
    ):
        participant.waiting_since = participant.waiting_since or timezone.localdate()
    needs_before = None
    if participant.pk is not None:
        needs_before = Participant.objects.filter(pk=participant.pk).values_list("needs", flat=True).get()
    participant.full_clean()
    participant.save()
    if participant.needs != needs_before and (participant.needs or needs_before is not None):
        _needs_follow(participant, by=by)
    if consent_changed:
        # After the row exists (a new participant needs its id): the event sets the consent.
        try:
            event = consent_record(participant=participant, given_on=consent_date or timezone.localdate(),
                                   scope=consent_scope, how=how, by=by)
        except InvalidInput as exc:
            names = {"given_on": "consent_date", "scope": "consent_scope", "how": "consent_how"}
            message = exc.message if isinstance(exc.message, dict) else {"consent_date": exc.message}
            raise InvalidInput({names.get(k, k): v for k, v in message.items()}) from exc
        participant.consent_date = event.on if event.scope else None
        participant.consent_scope = event.scope
        participant.consent_recorded_by = event.recorded_by
    return participant


def participant_status_check(*, participant: Participant, previous: str | None, status: str | None = None) -> None:
    """A participant with an open duo is matched: they do not go back to intake, wait for a buddy,
    drop out or close until the duo is closed (duo_close sets what follows: waiting again for a new match, or closed).
    "closed" is named as a string because the people app does not import the duos app."""
    leaving = (Participant.Status.INTAKE, Participant.Status.WAITING, Participant.Status.WITHDRAWN,
               Participant.Status.CLOSED)
    status = status or participant.status
    if (participant.pk is not None and status != previous and status in leaving
            and participant.duos.exclude(status="closed").exists()):
        raise InvalidInput({"status": _("%(name)s has an open duo: close the duo first.") % {
            "name": participant.first_name}})


def participant_intake_check(*, status: str, consent_date: date | None) -> None:
    """The rule of the end of an intake, for every channel that sets a participant waiting (the
    intake wizard through participant_intake_complete, the API, the admin; participant_save runs
    it): waiting for a buddy needs recorded consent, because matching reads their data."""
    if status == Participant.Status.WAITING and not consent_date:
        raise InvalidInput(
            {"status": _("A participant can only wait for a buddy once their consent has been recorded.")}
        )


@transaction.atomic
def participant_intake_complete(
    *, participant: Participant | None = None, data: dict[str, Any], by: User | None
) -> Participant:
    """Complete a participant's intake: with their consent (in `data` or recorded before) they
    now wait for a buddy, from today. Refused with a field message on `status` without consent."""
    return participant_save(participant=participant, data={**data, "status": Participant.Status.WAITING}, by=by)


def _needs_follow(participant: Participant, *, by: User | None) -> None:
    """The needs typed on the participant's record (intake, edit) are the latest measurement:
    the first one is the intake's; a later edit corrects the latest one. A new dated measurement
    (interim, closure) is needs_measure's."""
    latest = participant.needs_measurements.order_by("-date", "-id").first()
    if latest is None:
        NeedsMeasurement.objects.create(participant=participant, occasion=NeedsMeasurement.Occasion.INTAKE,
                                        date=timezone.localdate(), needs=participant.needs, recorded_by=by)
    else:
        latest.needs = participant.needs
        latest.save(update_fields=["needs"])


@transaction.atomic
def needs_measure(
    *, participant: Participant, occasion: str, on: date, needs: Any, by: User | None
) -> NeedsMeasurement:
    """Record the needs measured on `on` (intake, interim or closure). The participant's current
    needs become those of their latest measurement. Who may is the caller's scope (the
    participant was fetched through participant_get_for_user / participants_for_user) and a
    coordinator's role in its project."""
    from django.core.exceptions import ValidationError

    if not works_on_participant_data(user=by, project_id=participant.project_id):
        raise NotAllowed(_("Only a coordinator of the project can record needs."))
    if occasion not in NeedsMeasurement.Occasion.values:
        raise InvalidInput({"occasion": _("Choose intake, interim or closure.")})
    if on > timezone.localdate():
        raise InvalidInput({"date": _("The date is in the future.")})
    try:
        levels = validate_domain_levels(needs)
    except ValidationError as exc:
        messages: list[Any] = list(exc.messages)
        raise InvalidInput({"needs": messages}) from exc
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    measurement = NeedsMeasurement.objects.create(participant=participant, occasion=occasion, date=on,
                                                  needs=levels, recorded_by=by)
    latest = participant.needs_measurements.order_by("-date", "-id").first()
    if latest is not None and participant.needs != latest.needs:
        participant.needs = latest.needs
        participant.save(update_fields=["needs", "updated_at"])
    return measurement


def consent_kind(*, before: str, after: str) -> str:
    """given / widened / narrowed / withdrawn, from the scope before and after (scopes are nested)."""
    if not after:
        return ConsentEvent.Kind.WITHDRAWN
    if not before:
        return ConsentEvent.Kind.GIVEN
    rank_before, rank_after = SCOPE_ORDER.index(before), SCOPE_ORDER.index(after)
    if rank_after > rank_before:
        return ConsentEvent.Kind.WIDENED
    if rank_after < rank_before:
        return ConsentEvent.Kind.NARROWED
    return ConsentEvent.Kind.GIVEN  # the same scope given again (e.g. a form signed anew)


@transaction.atomic
def consent_record(
    *, participant: Participant, given_on: date, scope: str, by: User | None, how: str = ConsentEvent.How.SIGNED_FORM,
) -> ConsentEvent:
    """Add one step to the participant's consent history and make it their current consent.

    `scope` "" withdraws all consent. Narrowing below "network" stops new and changed network
    maps at once (netwerk/services.py); erasing the existing maps is the coordinator's choice
    (netwerk.services.maps_erase_for_consent). Frozen funder reports keep their aggregates.
    """
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if scope and scope not in SCOPE_ORDER:
        raise InvalidInput({"scope": _("Unknown scope of consent.")})
    if how not in ConsentEvent.How.values:
        raise InvalidInput({"how": _("Say how the consent was given.")})
    if given_on > timezone.localdate():
        raise InvalidInput({"given_on": _("The date cannot be in the future.")})
    latest = participant.consent_events.order_by("-on", "-id").first()
    if latest is not None and given_on < latest.on:
        raise InvalidInput({"given_on": _("The consent history already has a later step (%(day)s).")
                            % {"day": latest.on.strftime("%d/%m/%Y")}})
    if not scope and not participant.consent_scope:
        raise InvalidInput({"scope": _("There is no consent to withdraw.")})
    event = ConsentEvent(
        participant=participant, kind=consent_kind(before=participant.consent_scope, after=scope), scope=scope,
        on=given_on, how=how, recorded_by=by if getattr(by, "pk", None) else None,
    )
    event.full_clean()
    event.save()
    Participant.objects.filter(pk=participant.pk).update(
        consent_date=given_on if scope else None, consent_scope=scope,
        consent_recorded_by=event.recorded_by, updated_at=timezone.now(),
    )
    return event


def volunteer_capacity_check(*, volunteer: Volunteer, capacity: int | None) -> None:
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


def volunteer_stop_check(*, volunteer: Volunteer, previous: str | None, status: str | None = None) -> None:
    """A volunteer with an open duo (proposed, introduced, active or paused) does not stop: stopping
    closes their account (volunteer_account_close), and the buddy would keep a duo nobody follows.
    The coordinator closes the duo first (reason "volunteer stops", and a re-match for the
    participant if they want one), then stops the volunteer. Forms call it to show the problem
    next to the status; volunteer_save calls it again under the row lock.
    "closed" is named as a string because the people app does not import the duos app."""
    status = status or volunteer.status
    if volunteer.pk is None or status != Volunteer.Status.STOPPED or previous == Volunteer.Status.STOPPED:
        return
    open_duos = volunteer.duos.exclude(status="closed").select_related("participant", "project").order_by("pk")
    # A pooled match may have given the volunteer a duo in another project: its participant is
    # not the volunteer's coordinator's to know, nor that duo theirs to close: the project is named.
    names = [f"{duo.participant.first_name} {duo.participant.last_name}".strip()
             if duo.project_id == volunteer.project_id
             else _("a participant of project %(project)s (its coordinators close that duo)")
             % {"project": duo.project.name} for duo in open_duos]
    if names:
        raise InvalidInput({"status": _(
            "%(volunteer)s still has an open duo with %(participants)s: close that duo first "
            "(reason “Volunteer stops”), then stop the volunteer."
        ) % {"volunteer": volunteer.first_name, "participants": ", ".join(names)}})


# Statuses that say "may be matched and accompany a buddy": only for a screened volunteer.
_SCREENED_STATUSES = (Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED)


def _status_follows_screening(volunteer: Volunteer, *, asked: str | None) -> None:
    """A volunteer's status follows their screening dates (issue 15), in every channel.

    - Asked for "active" (or "paused") without a valid screening: refused, with the reasons.
    - Not asked (or asked "in screening"), and the dates make the screening valid while they are
      in screening: active (and available since today); dates that make it invalid take an
      active volunteer back to "in screening". Applicants, stopped volunteers and breaks are
      left as they are.
    """
    problems = screening_problems(volunteer)
    if asked in _SCREENED_STATUSES and problems:
        raise InvalidInput({"status": [
            _("Only a volunteer whose screening is complete and valid can be '%(status)s'.")
            % {"status": Volunteer.Status(asked).label}, *problems,
        ]})
    if asked not in (None, Volunteer.Status.SCREENING):
        return
    if not problems and volunteer.status == Volunteer.Status.SCREENING:
        volunteer.status = Volunteer.Status.ACTIVE
        volunteer.waiting_since = volunteer.waiting_since or timezone.localdate()
    elif problems and volunteer.status == Volunteer.Status.ACTIVE:
        volunteer.status = Volunteer.Status.SCREENING


@transaction.atomic
def volunteer_save(*, volunteer: Volunteer | None = None, data: dict[str, Any]) -> Volunteer:
    """Create or update a volunteer; the capacity never drops below their open duos, a volunteer
    with an open duo does not stop (volunteer_stop_check), and the status follows the screening
    (_status_follows_screening).

    The volunteer row is locked first (SELECT ... FOR UPDATE) as duo_propose locks it, so a
    lower capacity and a new duo approved at the same moment are serialised: whichever comes
    second sees the other's row and refuses.
    """
    volunteer = volunteer or Volunteer()
    was = None
    if volunteer.pk is not None:
        was = Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("status", flat=True).first()
    data = dict(data)
    postcode = data.pop("postcode", None)
    asked = data.get("status")
    if asked == volunteer.status and volunteer.pk is not None and asked in _SCREENED_STATUSES:
        asked = None  # unchanged (a form sends every field): let the dates decide
    _assign(volunteer, data)
    if postcode is not None:
        _apply_postcode(volunteer, postcode)
    _status_follows_screening(volunteer, asked=asked)
    volunteer_capacity_check(volunteer=volunteer, capacity=volunteer.capacity)
    volunteer_stop_check(volunteer=volunteer, previous=was)
    volunteer.full_clean()
    volunteer.save()
    if volunteer.status == Volunteer.Status.STOPPED and was != Volunteer.Status.STOPPED:
        # Issue 16: a stopped volunteer's account closes the same day, in this transaction.
        volunteer_account_close(volunteer=volunteer)
    return volunteer


# --- deletes: every channel (the API's DELETE, the admin's delete view and action) ----------------
def _delete(obj: Model, *, allowed: bool) -> None:
    if not allowed:
        raise NotAllowed(_("You may not delete this."))
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError:
        raise Conflict(_("This cannot be deleted: other records still refer to it.")) from None


def organisation_delete(*, organisation: Organisation, by: User | None) -> None:
    _delete(organisation, allowed=roles_of(by).administrator)


def project_delete(*, project: Project, by: User | None) -> None:
    _delete(project, allowed=roles_of(by).administrator)


def funder_delete(*, funder: Funder, by: User | None) -> None:
    _delete(funder, allowed=roles_of(by).administrator)


def participant_delete(*, participant: Participant, by: User | None) -> None:
    """Remove a participant recorded by mistake (what they consented to goes with the row); the
    erasure of a real person's data is the admin's GDPR erase action (security/retention.py)."""
    _delete(participant, allowed=works_on_participant_data(user=by, project_id=participant.project_id))


def volunteer_delete(*, volunteer: Volunteer, by: User | None) -> None:
    _delete(volunteer, allowed=roles_of(by).coordinates(volunteer.project_id))


class RowRefused(InvalidInput):
    """people_import: the service refused row `row` of the file (numbered as the spreadsheet
    shows it, the header being row 1); `error` is that refusal. Nothing of the file was saved."""

    def __init__(self, *, row: int, error: ServiceError) -> None:
        super().__init__(error.message)
        self.row = row
        self.error = error


@transaction.atomic
def people_import(
    *, project: Project, kind: str, rows: list[tuple[int, dict[str, Any]]], by: User,
) -> list[Participant] | list[Volunteer]:
    """Save the rows of a bulk import (the coordinator's spreadsheet) into `project`, all or none.

    Each row is what an intake would save (validated at the edge by the intake's own forms) and
    goes through participant_save / volunteer_save, so every rule of the intake holds per row
    (consent recorded as a consent event, the status following the screening). `rows` pairs the
    row's number in the file with its data; a refusal raises RowRefused naming that row and the
    whole import is rolled back.
    """
    if not roles_of(by).coordinates(project.pk):
        raise NotAllowed(_("Only a coordinator of this project can import into it."))
    if kind not in ("participant", "volunteer"):
        raise InvalidInput({"kind": _("Import participants or volunteers.")})
    saved: list[Any] = []
    for number, data in rows:
        if data.get("project") != project:
            raise RowRefused(row=number, error=InvalidInput({"project": _("A row of another project.")}))
        try:
            with transaction.atomic():
                if kind == "participant":
                    saved.append(participant_save(data=data, by=by))
                else:
                    saved.append(volunteer_save(data=data))
        except ServiceError as exc:
            raise RowRefused(row=number, error=exc) from exc
        except ValidationError as exc:  # full_clean of the record
            message: dict[str, Any] = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            raise RowRefused(row=number, error=InvalidInput(message)) from exc
    return saved
