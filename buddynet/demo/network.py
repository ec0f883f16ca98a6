"""Demo network maps for `manage.py demo` (called from buddynet/demo/data.py).

Every participant who has had a duo gets an intake map, dated a little before their first duo:
the typical picture of isolation — a few family members, some of them strained, and mostly
professionals. Duos older than about three months get a later interim map that starts from the
intake map (same stable keys), adds the buddy and one to three people met via the buddy (also
those the volunteer logged as new contacts on a check-in), and sometimes loses someone. Duos
closed after reaching their goals get a closure map too. Same seed, same maps; the maps go
when the demo participants go (CASCADE), so the demo stays idempotent.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

from buddynet.records.duos.models import CheckIn, Duo, DuoStatus
from buddynet.records.people.models import NETWORK_SCOPES, Participant
from buddynet.vocabulary import LIFE_DOMAINS
from netwerk.models import Alter, NetworkMap, Occasion, Tie

SEED = 2026 + 3
LATER_AFTER_DAYS = 90

FAMILY = (("Moeder", "family"), ("Broer", "family"), ("Zus", "family"), ("Dochter", "family"),
          ("Zoon", "family"), ("Tante Rosa", "family"), ("Ex-partner", "partner"), ("Neef", "family"))
FORMAL = (("Maatschappelijk werker OCMW", "professional", ["income", "administration"]),
          ("Huisarts", "professional", ["health"]),
          ("Thuisverpleging", "professional", ["health"]),
          ("Schuldbemiddelaar", "professional", ["income"]),
          ("Trajectbegeleider VDAB", "professional", ["work", "education"]),
          ("Voedselbank", "organisation", ["income"]),
          ("Sociaal restaurant", "organisation", ["leisure", "social"]),
          ("CAW onthaal", "organisation", ["housing", "administration"]))
INFORMAL_OLD = (("Oude buurvrouw", "neighbour", ["social"]), ("Vriend van vroeger", "friend", ["social", "leisure"]),
                ("Kapper", "friend", ["social"]))
VIA_BUDDY = (("Buurman van de overkant", "neighbour", ["social"]),
             ("Wandelclub De Stappers", "organisation", ["leisure", "social"]),
             ("Lotgenote uit de praatgroep", "friend", ["social", "health"]),
             ("Buurvrouw met de hond", "neighbour", ["social", "mobility"]),
             ("Collega in het vrijwilligerswerk", "colleague", ["work", "social"]),
             ("Repair Café", "organisation", ["leisure"]),
             ("Mama van de schoolpoort", "friend", ["childcare", "social"]),
             ("Kookgroep buurthuis", "organisation", ["leisure", "social"]))


def _alter(rng: random.Random, network_map: NetworkMap, label: str, category: str, domains: list[str],
           **extra: Any) -> Alter:
    formal = category in ("professional", "organisation")
    values: dict[str, Any] = {
        "ring": rng.choice((2, 3, 3)) if formal else rng.choice((1, 1, 2, 2, 3)),
        "valence": rng.choices(("supportive", "mixed", "strained"), (0.7, 0.2, 0.1) if formal else (0.5, 0.3, 0.2))[0],
        "contact_frequency": rng.choice(("weekly", "monthly", "monthly", "rarely")),
        "reciprocity": "gives" if formal else rng.choice(("both", "both", "gives", "receives", "")),
        "support_types": rng.sample(["emotional", "practical", "informational", "company"], rng.randint(1, 2)),
    }
    values.update(extra)
    return Alter(map=network_map, key=uuid.UUID(int=rng.getrandbits(128), version=4), label=label,
                 category=category, life_domains=[d for d in LIFE_DOMAINS if d in domains], **values)


def add_network_maps(*, project_ids: list[int], recorded_by: dict[int, Any], today: date,
                     seed: int = SEED, follow_up_days: int | None = None) -> int:
    """Write the demo maps of these projects; `recorded_by` maps project id → coordinator.
    With `follow_up_days` (the world of several years), a running duo gets an interim map that
    often after the first one. Returns the number of maps written."""
    rng = random.Random(seed)
    duos = list(
        Duo.objects.filter(project_id__in=project_ids).select_related("volunteer").order_by("participant_id",
                                                                                             "proposed_on", "id")
    )
    first_duo: dict[int, Duo] = {}
    last_duo: dict[int, Duo] = {}
    for duo in duos:
        first_duo.setdefault(duo.participant_id, duo)
        last_duo[duo.participant_id] = duo
    # Only participants whose consent covers a network map (issue 16).
    participants = list(Participant.objects.filter(pk__in=list(first_duo), consent_scope__in=NETWORK_SCOPES)
                        .order_by("pk"))
    contacts: dict[int, list[CheckIn]] = {}
    for check_in in CheckIn.objects.filter(duo__in=duos).exclude(new_contacts=[]).order_by("date", "id"):
        contacts.setdefault(check_in.duo_id, []).append(check_in)

    maps: list[NetworkMap] = []
    alters_of: list[list[Alter]] = []
    ties_of: list[list[tuple[int, int]]] = []
    for p in participants:
        duo = first_duo[p.pk]
        by = recorded_by.get(p.project_id)
        intake_on = max(duo.proposed_on - timedelta(days=rng.randint(3, 20)), p.consent_date or date.min)
        intake_on = min(intake_on, today)
        intake = NetworkMap(participant=p, occasion=Occasion.INTAKE, date=intake_on, recorded_by=by,
                            note="Samen met de deelnemer ingevuld bij de intake.")
        alters = [_alter(rng, intake, label, cat, []) for label, cat in rng.sample(FAMILY, rng.randint(1, 3))]
        for label, cat, domains in rng.sample(FORMAL, rng.randint(2, 4)):
            alters.append(_alter(rng, intake, label, cat, domains))
        if rng.random() < 0.4:
            label, cat, domains = rng.choice(INFORMAL_OLD)
            alters.append(_alter(rng, intake, label, cat, domains))
        for a in alters:
            if a.category in ("family", "partner") and a.valence != "strained":
                a.life_domains = rng.sample(["social", "housing", "childcare", "mobility"], rng.randint(0, 2))
        ties = [(i, j) for i in range(len(alters)) for j in range(i + 1, len(alters))
                if alters[i].category[:3] == alters[j].category[:3] and rng.random() < 0.6]
        maps.append(intake)
        alters_of.append(alters)
        ties_of.append(ties)

        # A later map, for duos that have run for about three months.
        recent = last_duo[p.pk]
        started = recent.started_on
        if started is None or (today - started).days < LATER_AFTER_DAYS:
            continue
        end = recent.closed_on if recent.status == DuoStatus.CLOSED and recent.closed_on else today
        later_on = min(started + timedelta(days=rng.randint(LATER_AFTER_DAYS, LATER_AFTER_DAYS + 30)), end)
        if later_on <= intake_on:
            continue
        closing = (recent.status == DuoStatus.CLOSED and recent.closure_reason in ("goals_reached", "planned_end")
                   and recent.closed_on is not None)
        later = NetworkMap(participant=p, occasion=Occasion.CLOSURE if closing else Occasion.INTERIM,
                           date=recent.closed_on if closing else later_on, recorded_by=by,
                           note="Vertrokken van de vorige kaart.")
        kept = [a for a in alters if not (a.category == "professional" and rng.random() < 0.25)]
        copies = [Alter(map=later, key=a.key, label=a.label, category=a.category, life_domains=list(a.life_domains),
                        support_types=list(a.support_types), ring=a.ring, contact_frequency=a.contact_frequency,
                        valence=a.valence if rng.random() < 0.8 else "supportive", reciprocity=a.reciprocity)
                  for a in kept]
        index = {id(a): i for i, a in enumerate(alters)}
        new_index = {index[id(a)]: k for k, a in enumerate(kept)}
        later_ties = [(new_index[i], new_index[j]) for i, j in ties if i in new_index and j in new_index]
        buddy = _alter(rng, later, recent.volunteer.first_name, "buddy", ["social", "leisure", "administration"],
                       ring=1, valence="supportive", reciprocity="both", contact_frequency="weekly")
        copies.append(buddy)
        buddy_at = len(copies) - 1
        logged = [c for c in contacts.get(recent.pk, []) if c.date <= later.date]
        for check_in in logged[:2]:
            contact = check_in.new_contacts[0]
            copies.append(_alter(rng, later, contact.get("label", "Nieuw contact")[:40],
                                 contact.get("category", "friend"), [contact.get("life_domain", "social")],
                                 via_buddy=True, check_in=check_in, ring=3, valence="supportive"))
            later_ties.append((buddy_at, len(copies) - 1))
        for label, cat, domains in rng.sample(VIA_BUDDY, rng.randint(1, 3) - min(len(logged), 1)):
            copies.append(_alter(rng, later, label, cat, domains, via_buddy=True, valence="supportive",
                                 ring=rng.choice((2, 3))))
            if rng.random() < 0.5:
                later_ties.append((buddy_at, len(copies) - 1))
        maps.append(later)
        alters_of.append(copies)
        ties_of.append(later_ties)
        if follow_up_days is None:
            continue
        # Interim maps follow the first later map; a closure map stays the last of its duo.
        on = (later_on if closing else later.date) + timedelta(days=follow_up_days + rng.randint(0, 20))
        while on <= end and not (closing and on >= later.date):
            again = NetworkMap(participant=p, occasion=Occasion.INTERIM, date=on, recorded_by=by,
                               note="Vertrokken van de vorige kaart.")
            copies = [Alter(map=again, key=a.key, label=a.label, category=a.category,
                            life_domains=list(a.life_domains), support_types=list(a.support_types),
                            ring=max(1, a.ring - 1) if a.via_buddy and rng.random() < 0.3 else a.ring,
                            contact_frequency=a.contact_frequency, valence=a.valence, reciprocity=a.reciprocity,
                            via_buddy=a.via_buddy)
                      for a in copies]
            maps.append(again)
            alters_of.append(copies)
            ties_of.append(list(later_ties))
            on += timedelta(days=follow_up_days + rng.randint(0, 20))

    NetworkMap.objects.bulk_create(maps, batch_size=500)
    flat = []
    for network_map, alters in zip(maps, alters_of, strict=True):
        for a in alters:
            a.map = network_map
            flat.append(a)
    # The field validators only: full_clean would also run a query per unique and check constraint
    # (80,000 alters at the target size), which the database enforces anyway.
    for a in flat:
        a.clean_fields(exclude=["map", "check_in", "added_by"])
    Alter.objects.bulk_create(flat, batch_size=500)
    ties: list[Tie] = []
    for network_map, alters, pairs in zip(maps, alters_of, ties_of, strict=True):
        for i, j in set(pairs):
            a, b = sorted((alters[i].pk, alters[j].pk))
            ties.append(Tie(map=network_map, a_id=a, b_id=b))
    Tie.objects.bulk_create(ties, batch_size=500)
    return len(maps)
