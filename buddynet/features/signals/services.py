"""Writes of barrier signals: record one (a volunteer from a check-in, a coordinator from the
duo's or participant's page, the API), move its status, mark its description shareable, edit the
taxonomy's rows. Every channel calls these; each re-checks who may."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buddynet import privacy
from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.features.signals.models import NEXT_STATUSES, BarrierType, Signal, SignalStatus
from buddynet.records.accounts.selectors import roles_of, works_on_participant_data
from buddynet.records.duos.models import CheckIn, Duo
from buddynet.records.people import postcodes
from buddynet.records.people.models import Participant
from buddynet.vocabulary import LIFE_DOMAINS

if TYPE_CHECKING:
    from buddynet.records.accounts.models import User
    from buddynet.records.accounts.types import Actor


def municipality_of(participant: Participant) -> str:
    """The participant's municipality: as recorded, else looked up from the postcode."""
    if participant.municipality:
        return participant.municipality
    place = postcodes.lookup(participant.postcode or "")
    return place.municipality if place is not None else ""


def _barrier_type(code: Any) -> BarrierType:
    found = BarrierType.objects.filter(code=str(code or ""), active=True).first()
    if found is None:
        raise InvalidInput({"barrier_type": _("Choose a barrier type from the list.")})
    return found


def _clean(data: dict[str, Any]) -> tuple[str, BarrierType, str]:
    domain = data.get("life_domain") or ""
    if domain not in LIFE_DOMAINS:
        raise InvalidInput({"life_domain": _("Choose a life domain.")})
    description = str(data.get("description") or "").strip()
    if len(description) > Signal.DESCRIPTION_MAX:
        raise InvalidInput({"description": _("Keep the description under %(max)d characters.")
                            % {"max": Signal.DESCRIPTION_MAX}})
    return domain, _barrier_type(data.get("barrier_type")), description


def signal_record(
    *, participant: Participant, data: dict[str, Any], by: User, duo: Duo | None = None,
    check_in: CheckIn | None = None, on: date | None = None,
) -> Signal:
    """Store one barrier signal. `data`: life_domain, barrier_type (a code of an active type),
    description (optional). The recorder is a coordinator of the participant's project, or the
    volunteer of `duo` (which must be the participant's). With a check-in: once per check-in."""
    roles = roles_of(by)
    if duo is not None and duo.participant_id != participant.pk:
        raise InvalidInput({"duo": _("This duo is not the participant's.")})
    if not (roles.coordinates(participant.project_id)
            or (duo is not None and roles.volunteer_id is not None and roles.volunteer_id == duo.volunteer_id)):
        raise NotAllowed(_("You cannot record a signal for this participant."))
    domain, barrier_type, description = _clean(data)
    with transaction.atomic():
        if check_in is not None:
            existing = Signal.objects.filter(check_in=check_in).first()
            if existing is not None:
                return existing
        return Signal.objects.create(
            project_id=participant.project_id, participant=participant, duo=duo, check_in=check_in,
            date=on or (check_in.date if check_in is not None else timezone.localdate()),
            life_domain=domain, barrier_type=barrier_type, description=description,
            municipality=municipality_of(participant), recorded_by=by,
        )


def _coordinator(signal: Signal, by: Actor) -> None:
    if not works_on_participant_data(user=by, project_id=signal.project_id):
        raise NotAllowed(_("Only a coordinator of the project can change a signal."))


def signal_move(*, signal: Signal, status: str, by: User, passed_on_to: str = "") -> Signal:
    """new → passed on (to whom: required) → answered or structural."""
    _coordinator(signal, by)
    with transaction.atomic():
        signal = Signal.objects.select_for_update().get(pk=signal.pk)
        if status not in NEXT_STATUSES.get(signal.status, ()):
            raise Conflict(_("A signal with status '%(status)s' cannot move to '%(to)s'.")
                           % {"status": signal.get_status_display(),
                              "to": dict(SignalStatus.choices).get(status, status)})
        if status == SignalStatus.PASSED_ON:
            whom = passed_on_to.strip()
            if not whom:
                raise InvalidInput({"passed_on_to": _("Say to whom the signal was passed on.")})
            signal.passed_on_to = whom[:120]
        signal.status = status
        signal.status_changed_on = timezone.localdate()
        signal.save(update_fields=["status", "passed_on_to", "status_changed_on", "updated_at"])
    return signal


def _names_in(signal: Signal) -> list[str]:
    """The names the description must not hold: the participant's and, for a duo, the volunteer's."""
    people: list[Any] = [signal.participant]
    if signal.duo_id is not None:
        people.append(Duo.objects.select_related("volunteer").get(pk=signal.duo_id).volunteer)
    names = []
    for person in people:
        names += [f"{person.first_name} {person.last_name}", person.last_name, person.first_name]
    return sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)


def signal_share(*, signal: Signal, shareable: bool, by: User) -> Signal:
    """A coordinator marks the description shareable (it then appears in signal reports), only
    when there is one and it names neither the participant nor the volunteer."""
    _coordinator(signal, by)
    with transaction.atomic():
        signal = Signal.objects.select_for_update().select_related("participant").get(pk=signal.pk)
        if shareable:
            if not signal.description:
                raise InvalidInput({"shareable": _("There is no description to share.")})
            code = "\x00"
            if privacy.replace_names(signal.description, _names_in(signal), code) != signal.description:
                raise InvalidInput({"shareable": _(
                    "The description names the participant or the volunteer: rewrite it without names first.")})
        signal.shareable = shareable
        signal.save(update_fields=["shareable", "updated_at"])
    return signal


def signal_describe(*, signal: Signal, description: str, by: User) -> Signal:
    """A coordinator rewrites the description (e.g. without names); a new text is not shareable
    until it is marked so again."""
    _coordinator(signal, by)
    text = description.strip()
    if len(text) > Signal.DESCRIPTION_MAX:
        raise InvalidInput({"description": _("Keep the description under %(max)d characters.")
                            % {"max": Signal.DESCRIPTION_MAX}})
    with transaction.atomic():
        signal = Signal.objects.select_for_update().get(pk=signal.pk)
        if text != signal.description:
            signal.description = text
            signal.shareable = False
            signal.save(update_fields=["description", "shareable", "updated_at"])
    return signal
