"""Writes of aftercare: plan it when a duo closes, cancel it when the duo re-opens, log a
contact, change a project's rules. Called by the event handlers, the API and the pages alike."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buddynet.accounts.models import User
from buddynet.accounts.selectors import roles_of
from buddynet.dates import add_months
from buddynet.duos.models import Duo, DuoStatus
from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.features.aftercare import selectors
from buddynet.features.aftercare.models import AftercareItem, AftercareSettings, ItemKind, ItemStatus
from netwerk import selectors as netwerk_selectors
from netwerk.models import Occasion


def _require_coordinator(by: User | None, project_id: int) -> None:
    if not roles_of(by).coordinates(project_id):
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
    """A project's aftercare rules, changed by its coordinator (or an administrator)."""
    _require_coordinator(by, project_id)
    rules, _created = AftercareSettings.objects.select_for_update().get_or_create(project_id=project_id)
    for name in ("contact_months", "closure_map", "interim_map_months"):
        if name in data:
            setattr(rules, name, data[name])
    if "contact_months" in data:
        rules.contact_months = sorted(rules.contact_months)
    rules.full_clean()
    rules.save()
    return rules
