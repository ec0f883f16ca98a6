"""Writes of aftercare: plan it when a duo closes, cancel it when the duo re-opens, log a
contact, change a project's rules. Called by the event handlers, the API and the pages alike."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buddynet import events, spreadsheet
from buddynet.dates import add_months
from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.features.aftercare import selectors
from buddynet.features.aftercare.models import (
    QUESTIONS,
    AftercareItem,
    AftercareSettings,
    Evaluation,
    ItemKind,
    ItemStatus,
    Moment,
    Referral,
    ReferralOutcome,
    ReferralService,
    ServiceKind,
)
from buddynet.records.accounts.models import User
from buddynet.records.accounts.selectors import may_change_project_settings, roles_of, works_on_participant_data
from buddynet.records.duos.models import Duo, DuoStatus
from buddynet.records.people.models import Participant, Project
from netwerk import selectors as netwerk_selectors
from netwerk.models import Occasion


def _require_coordinator(by: User | None, project_id: int) -> None:
    if not works_on_participant_data(user=by, project_id=project_id):
        raise NotAllowed(_("Only a coordinator of the project can do this."))


def aftercare_plan(*, duo: Duo) -> list[AftercareItem]:
    """Plan the aftercare of a duo that just closed (inside duo_close's transaction, through the
    duo_status_changed event): a contact at each of the project's months after the closure, and
    a closure network map on the closing day when the participant has none since the duo began
    (and their consent covers a map)."""
    if duo.status != DuoStatus.CLOSED or duo.closed_on is None:
        return []
    rules = selectors.settings_of(project_id=duo.project_id)
    items = [AftercareItem(duo=duo, kind=ItemKind.CONTACT, due_on=add_months(duo.closed_on, months))
             for months in sorted(rules.contact_months or ())]
    participant = duo.participant
    if rules.closure_map and participant.consent_covers_network and not any(
        m.occasion == Occasion.CLOSURE and m.date >= duo.proposed_on
        for m in netwerk_selectors.maps_of_participant(participant_id=participant.pk)
    ):
        items.append(AftercareItem(duo=duo, kind=ItemKind.CLOSURE_MAP, due_on=duo.closed_on))
    # The partial unique index makes a second delivery of the same event plan nothing new.
    AftercareItem.objects.bulk_create(items, ignore_conflicts=True)
    return items


def aftercare_cancel_pending(*, duo: Duo) -> int:
    """A re-opened duo: what is still planned is cancelled (done items stay, as history)."""
    return AftercareItem.objects.filter(duo=duo, status=ItemStatus.PLANNED).update(
        status=ItemStatus.CANCELLED, updated_at=timezone.now())


@transaction.atomic
def aftercare_log(*, item: AftercareItem, by: User, on: date | None = None, mode: str = "",
                  note: str = "") -> AftercareItem:
    """The coordinator records the aftercare contact (or the closure map) as done, like a check-in."""
    item = AftercareItem.objects.select_for_update().select_related("duo").get(pk=item.pk)
    _require_coordinator(by, item.duo.project_id)
    if item.status != ItemStatus.PLANNED:
        raise Conflict(_("This aftercare item is no longer planned."))
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise InvalidInput({"on": _("The date cannot be in the future.")})
    if item.duo.closed_on is not None and on < item.duo.closed_on:
        raise InvalidInput({"on": _("Aftercare cannot be before the duo closed.")})
    if item.kind == ItemKind.CONTACT and not mode:
        raise InvalidInput({"mode": _("Choose the type of contact.")})
    item.status = ItemStatus.DONE
    item.done_on = on
    item.mode = mode
    item.note = note
    item.done_by = by
    item.save()
    return item


@transaction.atomic
def aftercare_settings_save(*, project_id: int, by: User, data: dict[str, Any]) -> AftercareSettings:
    """A project's aftercare rules, changed by who may change the project's follow-up settings
    (accounts.selectors.may_change_project_settings: its coordinators, the platform administrator,
    the administrator of its organisation on its follow-up settings page, issue 16)."""
    project = Project.objects.filter(pk=project_id).only("organisation_id").first()
    if project is None or not may_change_project_settings(user=by, project=project):
        raise NotAllowed(_("Only the organisation's administrator or the project's coordinators can change these "
                           "settings."))
    rules, _created = AftercareSettings.objects.select_for_update().get_or_create(project_id=project_id)
    for name in ("contact_months", "closure_map", "interim_map_months"):
        if name in data:
            setattr(rules, name, data[name])
    if "contact_months" in data:
        rules.contact_months = sorted(rules.contact_months)
    try:
        rules.full_clean()
    except ValidationError as exc:
        raise InvalidInput(cast(Any, exc.message_dict)) from None
    rules.save()
    return rules


# --- referrals (issue 18 item 3) ---------------------------------------------------------------
SERVICE_FIELDS = ("name", "kind", "municipality", "contact", "active")
# The CSV's columns, in English or Dutch (the file a coordinator keeps in Excel).
CSV_COLUMNS = {"name": ("name", "naam"), "kind": ("kind", "soort"),
               "municipality": ("municipality", "gemeente"), "contact": ("contact",)}
KIND_WORDS = {"ocmw": "ocmw", "cpas": "ocmw", "ocmw/cpas": "ocmw", "caw": "caw", "debt": "debt",
              "schuldbemiddeling": "debt", "employment": "employment", "werk": "employment", "vdab": "employment",
              "housing": "housing", "wonen": "housing", "other": "other", "ander": "other", "andere": "other"}


@transaction.atomic
def referral_service_save(*, project_id: int, by: User, data: dict[str, Any],
                          service: ReferralService | None = None) -> ReferralService:
    """Add a service to the project's directory, or change one (a coordinator of the project)."""
    _require_coordinator(by, project_id if service is None else service.project_id)
    service = service or ReferralService(project_id=project_id)
    for name in SERVICE_FIELDS:
        if name in data:
            setattr(service, name, data[name])
    try:
        service.full_clean()
    except ValidationError as exc:
        raise InvalidInput(cast(Any, exc.message_dict)) from None
    service.save()
    return service


@transaction.atomic
def referral_services_import(*, project_id: int, by: User, data: bytes) -> int:
    """Import a directory from CSV (columns name/naam, kind/soort, municipality/gemeente, contact):
    all rows or none; a service already listed (same name and municipality) is updated. Returns
    how many rows were read."""
    _require_coordinator(by, project_id)
    try:
        rows = spreadsheet.csv_read(data)
    except ValueError:
        raise InvalidInput({"file": _("This is not a CSV file that buddynet can read.")}) from None
    if not rows:
        raise InvalidInput({"file": _("The file holds no services.")})
    errors: list[str] = []
    cleaned: list[dict[str, str]] = []
    for number, row in enumerate(rows, start=2):
        values = {field: next((row[c] for c in names if row.get(c)), "") for field, names in CSV_COLUMNS.items()}
        values["kind"] = KIND_WORDS.get(values["kind"].lower(), values["kind"].lower())
        if not values["name"] or values["kind"] not in ServiceKind.values:
            errors.append(_("Line %(line)s: a name and a known kind (%(kinds)s) are needed.")
                          % {"line": number, "kinds": ", ".join(ServiceKind.values)})
            continue
        cleaned.append(values)
    if errors:
        raise InvalidInput({"file": cast(Any, errors[:20])})
    for values in cleaned:
        service = ReferralService.objects.filter(project_id=project_id, name=values["name"],
                                                 municipality=values["municipality"]).first()
        referral_service_save(project_id=project_id, by=by, data={**values, "active": True}, service=service)
    return len(cleaned)


@transaction.atomic
def referral_record(*, participant: Participant, service: ReferralService, by: User, on: date,
                    life_domain: str, reason: str = "") -> Referral:
    """A coordinator refers a participant to a service of their project's directory."""
    _require_coordinator(by, participant.project_id)
    if service.project_id != participant.project_id:
        raise InvalidInput({"service": _("This service is not in the participant's project's directory.")})
    if on > timezone.localdate():
        raise InvalidInput({"date": _("The date cannot be in the future.")})
    referral = Referral(participant=participant, service=service, date=on, life_domain=life_domain,
                        reason=reason, made_by=by)
    try:
        referral.full_clean()
    except ValidationError as exc:
        raise InvalidInput(cast(Any, exc.message_dict)) from None
    referral.save()
    return referral


@transaction.atomic
def referral_outcome_record(*, referral: Referral, by: User, outcome: str, on: date | None = None,
                            note: str = "") -> Referral:
    """What came of a referral (the coordinator is reminded 30 days after it, once)."""
    referral = Referral.objects.select_for_update().select_related("participant").get(pk=referral.pk)
    _require_coordinator(by, referral.participant.project_id)
    if outcome not in ReferralOutcome.values:
        raise InvalidInput({"outcome": _("Choose an outcome.")})
    on = on or timezone.localdate()
    if on < referral.date:
        raise InvalidInput({"on": _("The outcome cannot be before the referral.")})
    referral.outcome = outcome
    referral.outcome_on = on
    referral.outcome_note = note
    referral.save()
    return referral


# --- the participant's voice (issue 18 item 4) --------------------------------------------------
def evaluation_may_record(*, user: User | None, participant: Participant, duo: Duo | None) -> bool:
    """A coordinator of the participant's project, or the volunteer of the participant's open duo
    (on their phone, with the participant beside them)."""
    roles = roles_of(user)
    if roles.coordinates(participant.project_id):
        return True
    return (duo is not None and duo.participant_id == participant.pk and duo.is_open
            and roles.volunteer_id is not None and duo.volunteer_id == roles.volunteer_id)


@transaction.atomic
def evaluation_record(*, participant: Participant, duo: Duo | None, by: User, data: dict[str, Any]) -> Evaluation:
    """Store one evaluation (answered on a phone, or typed in from paper). After the first meeting,
    a poor "it clicks" answer from either side alerts the coordinators, once per duo."""
    if duo is not None and duo.participant_id != participant.pk:
        raise InvalidInput({"duo": _("This duo is not the participant's.")})
    if not evaluation_may_record(user=by, participant=participant, duo=duo):
        raise NotAllowed(_("Only the participant's coordinator or buddy can record this."))
    evaluation = Evaluation(participant=participant, duo=duo, recorded_by=by)
    for name in ("moment", "respondent", "source", "date", "own_words", *QUESTIONS):
        if name in data:
            setattr(evaluation, name, data[name])
    if evaluation.moment == Moment.FIRST_MEETING and duo is None:
        raise InvalidInput({"duo": _("After the first meeting, the evaluation belongs to a duo.")})
    if evaluation.moment != Moment.FIRST_MEETING:
        evaluation.fit = None  # asked after the first meeting only
    if all(getattr(evaluation, q) is None for q in QUESTIONS):
        raise InvalidInput({"heard": _("Answer at least one question.")})
    if evaluation.date and evaluation.date > timezone.localdate():
        raise InvalidInput({"date": _("The date cannot be in the future.")})
    try:
        evaluation.full_clean()
    except ValidationError as exc:
        raise InvalidInput(cast(Any, exc.message_dict)) from None
    evaluation.save()
    if evaluation.poor_fit:
        events.pairing_fit_poor(evaluation)
    return evaluation
