"""Writes of network maps, alters and ties. Atomic, keyword-only; each checks what depends on
other rows (a tie's alters on the same map, who may add a tie made via the buddy)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.records.accounts.models import User
from buddynet.records.accounts.selectors import roles_of, works_on_participant_data
from buddynet.records.accounts.types import Actor
from buddynet.records.duos.models import CheckIn, Duo, DuoStatus
from buddynet.records.people.models import NETWORK_SCOPES, Participant
from netwerk.models import Alter, Category, NetworkMap, Occasion, Tie, Valence

ALTER_FIELDS = (
    "label", "category", "life_domains", "support_types", "ring", "contact_frequency", "valence",
    "reciprocity", "via_buddy",
)
# Statuses in which a volunteer still accompanies their buddy and may add a tie they helped make.
_OPEN_DUO = (DuoStatus.INTRODUCED, DuoStatus.ACTIVE, DuoStatus.PAUSED)


def _assign(obj: Any, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for name, value in data.items():
        if name not in allowed:
            raise ValueError(f"{name} cannot be set here")
        setattr(obj, name, value)


def network_consent_problem(participant: Participant) -> str | None:
    """Why no network map may be made or changed for this participant now (None: it may).

    The pages show it next to the disabled button; the services below raise it as a 409."""
    if participant.consent_covers_network:
        return None
    return _(
        "%(name)s's consent does not cover a network map (current consent: %(scope)s). Record wider consent "
        "first: on the participant's page, under Consent, choose \"Data + network map\" and say how it was given."
    ) % {"name": participant.first_name,
         "scope": participant.get_consent_scope_display() if participant.consent_scope else _("none")}


def _require_network_consent(*, participant_id: int) -> None:
    """The rule (issue 16): a map is made or changed only under consent that covers it. Read
    from the row (one query), so a consent narrowed a moment ago counts for every channel."""
    participant = Participant.objects.only("pk", "first_name", "consent_scope").get(pk=participant_id)
    problem = network_consent_problem(participant)
    if problem is not None:
        raise Conflict(problem)


def _not_in_future(day: date) -> None:
    # A map records a conversation that took place; Brussels' today is the latest it can be.
    if day > timezone.localdate():
        raise InvalidInput({"date": _("A network map cannot be dated in the future.")})


@transaction.atomic
def map_create(
    *, participant: Participant, by: User | None, occasion: str = Occasion.INTAKE, on: date | None = None,
    note: str = "", copy_from_last: bool = True,
) -> NetworkMap:
    """A new snapshot. By default it starts as a copy of the participant's latest map (same
    stable keys, same ties), so the coordinator only records what changed."""
    _require_network_consent(participant_id=participant.pk)
    previous = None
    if copy_from_last:
        previous = NetworkMap.objects.filter(participant=participant).order_by("-date", "-id").first()
    network_map = NetworkMap(
        participant=participant, occasion=occasion, date=on or timezone.localdate(), recorded_by=by,
        note=note, copied_from=previous,
    )
    _not_in_future(network_map.date)
    network_map.full_clean()
    network_map.save()
    if previous is not None:
        _copy_contents(source=previous, target=network_map)
    return network_map


def _participant_of_map(map_id: int) -> int:
    return NetworkMap.objects.filter(pk=map_id).values_list("participant_id", flat=True).get()


def _copy_contents(*, source: NetworkMap, target: NetworkMap) -> None:
    old_alters = list(source.alters.all())
    new_alters = [
        Alter(map=target, key=a.key, **{name: getattr(a, name) for name in ALTER_FIELDS},
              added_by_id=a.added_by_id, check_in_id=a.check_in_id)
        for a in old_alters
    ]
    Alter.objects.bulk_create(new_alters)  # ids are set on PostgreSQL and SQLite alike
    new_id = {old.pk: new.pk for old, new in zip(old_alters, new_alters, strict=True)}
    ties = []
    for tie in source.ties.all():
        a, b = sorted((new_id[tie.a_id], new_id[tie.b_id]))
        ties.append(Tie(map=target, a_id=a, b_id=b))
    Tie.objects.bulk_create(ties)


@transaction.atomic
def map_update(*, network_map: NetworkMap, data: dict[str, Any]) -> NetworkMap:
    _require_network_consent(participant_id=network_map.participant_id)
    _assign(network_map, data, ("occasion", "date", "note"))
    _not_in_future(network_map.date)
    network_map.full_clean()
    network_map.save()
    return network_map


@transaction.atomic
def map_delete(*, network_map: NetworkMap) -> None:
    network_map.delete()


@transaction.atomic
def maps_erase_for_consent(*, participant: Participant, by: User | None) -> int:
    """Erase every network map of a participant whose consent no longer covers one (withdrawn or
    narrowed to "basic"): the maps, their alters and ties. Refused while the consent still covers
    maps (then a coordinator deletes a single map instead). Frozen funder reports keep their
    numbers: they hold only aggregates, no map. Returns how many maps were erased."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if not works_on_participant_data(user=by, project_id=participant.project_id):
        raise NotAllowed(_("Only the participant's coordinator can erase their network maps."))
    if participant.consent_scope in NETWORK_SCOPES:
        raise Conflict(_("The participant's consent still covers network maps; delete a single map instead."))
    _total, per_model = NetworkMap.objects.filter(participant=participant).delete()
    return per_model.get(NetworkMap._meta.label, 0)


@transaction.atomic
def alter_add(*, network_map: NetworkMap, data: dict[str, Any], by: User | None) -> Alter:
    _require_network_consent(participant_id=network_map.participant_id)
    alter = Alter(map=network_map, added_by=by)
    _assign(alter, data, ALTER_FIELDS)
    alter.full_clean()
    alter.save()
    return alter


@transaction.atomic
def alter_update(*, alter: Alter, data: dict[str, Any]) -> Alter:
    _require_network_consent(participant_id=_participant_of_map(alter.map_id))
    _assign(alter, data, ALTER_FIELDS)
    alter.full_clean()
    alter.save()
    return alter


@transaction.atomic
def alter_remove(*, alter: Alter) -> None:
    alter.delete()  # its ties go with it (CASCADE)


@transaction.atomic
def tie_add(*, a: Alter, b: Alter) -> Tie:
    """Two alters of one map know each other. Adding a tie that exists returns it."""
    if a.map_id != b.map_id:
        raise InvalidInput({"b": _("Both people must be on the same network map.")})
    if a.pk == b.pk:
        raise InvalidInput({"b": _("Choose two different people.")})
    _require_network_consent(participant_id=_participant_of_map(a.map_id))
    low, high = sorted((a.pk, b.pk))
    tie, _created = Tie.objects.get_or_create(a_id=low, b_id=high, defaults={"map_id": a.map_id})
    return tie


@transaction.atomic
def tie_remove(*, tie: Tie) -> None:
    tie.delete()


@transaction.atomic
def ties_set(*, alter: Alter, others: list[Alter]) -> None:
    """Make `others` exactly the alters who know `alter` on its map (the edit form's checkboxes)."""
    if any(o.map_id != alter.map_id for o in others):
        raise InvalidInput({"knows": _("Both people must be on the same network map.")})
    wanted = {o.pk for o in others if o.pk != alter.pk}
    _require_network_consent(participant_id=_participant_of_map(alter.map_id))
    current = {
        (t.b_id if t.a_id == alter.pk else t.a_id): t
        for t in Tie.objects.filter(Q(a_id=alter.pk) | Q(b_id=alter.pk))
    }
    Tie.objects.filter(pk__in=[tie.pk for other_id, tie in current.items() if other_id not in wanted]).delete()
    Tie.objects.bulk_create([
        Tie(map_id=alter.map_id, a_id=min(alter.pk, o), b_id=max(alter.pk, o))
        for o in wanted - set(current)
    ])


def may_add_tie_via_buddy(user: Actor, participant: Participant) -> bool:
    """The participant's coordinator (or an administrator), or the volunteer of their open duo."""
    roles = roles_of(user)
    if roles.coordinates(participant.project_id):
        return True
    if roles.volunteer_id is None:
        return False
    return Duo.objects.filter(
        participant=participant, volunteer_id=roles.volunteer_id, status__in=_OPEN_DUO,
    ).exists()


@transaction.atomic
def tie_via_buddy_add(
    *, participant: Participant, label: str, category: str, life_domains: list[str], by: User | None,
    check_in: CheckIn | None = None,
) -> Alter | None:
    """"We met someone new": add a person the buddy helped the participant meet.

    The alter goes on the participant's latest network map, with ``via_buddy=True``, on the
    outer ring, supportive (the coordinator refines it at the next map). If the participant has
    no map yet, an *interim* map dated today is created that holds just this tie — it is not an
    intake map, so it does not pretend to describe the whole network.

    With a `check_in`, calling again for the same check-in and label returns the alter already
    added (a phone that resends adds the person once).

    Raises django's ValidationError with field messages for bad input (an unknown category or
    life domain, an empty label), NotAllowed when `by` is neither the participant's coordinator
    nor the volunteer of their open duo. Atomic: nothing is saved on failure.

    Without consent that covers a network map: asked directly (no `check_in`), a Conflict; from
    a check-in, None — the check-in keeps the new contact's label and category, and no map is
    made or changed (the rule of issue 16; the volunteer's check-in must not fail for it).
    """
    if not may_add_tie_via_buddy(by, participant):
        raise NotAllowed(_("You cannot add a contact to this participant's network."))
    if check_in is not None and network_consent_problem(
            Participant.objects.only("pk", "first_name", "consent_scope").get(pk=participant.pk)) is not None:
        return None
    _require_network_consent(participant_id=participant.pk)
    if check_in is not None and check_in.duo.participant_id != participant.pk:
        raise InvalidInput({"check_in": _("This check-in belongs to another participant.")})
    if category == Category.BUDDY:
        raise ValidationError({"category": [_("The buddy is not a tie made via the buddy.")]})
    alter = Alter(
        label=(label or "").strip(), category=category, life_domains=list(life_domains or []),
        ring=3, valence=Valence.SUPPORTIVE, via_buddy=True, added_by=by, check_in=check_in,
    )
    # Validate before creating an interim map, so bad input leaves no empty map behind even
    # when called outside a transaction that rolls back.
    alter.full_clean(exclude=["map"])
    # Lock the participant: two phones adding a first tie at once must not make two interim maps.
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    if check_in is not None:
        # The same check-in sent twice (a phone retrying) adds the person once.
        same = Alter.objects.filter(check_in=check_in, label=alter.label, via_buddy=True).first()
        if same is not None:
            return same
    latest = (
        NetworkMap.objects.select_for_update().filter(participant=participant).order_by("-date", "-id").first()
    )
    if latest is None:
        latest = NetworkMap.objects.create(
            participant=participant, occasion=Occasion.INTERIM, date=timezone.localdate(), recorded_by=by,
            note=_("Started by a contact made via the buddy."),
        )
    alter.map = latest
    alter.save()
    return alter
