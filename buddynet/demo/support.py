"""The demo's support loop for `manage.py demo` (called from buddynet/demo/data.py): barrier
signals, each project's directory of services with referrals, aftercare after a duo closed, and
the participant's own voice (evaluations) — so that a coordinator, an organisation administrator
and a funder see these pages with something in them (issue 18).

Written after the duos, from the rows in the database, with its own random stream (SEED), so the
rest of the demo is the same with or without it. Same seed, same day, same rows. The texts name
nobody: a signal's description may be shared in the signal report. What the services would
refuse is not made here either: no date in the future, an aftercare contact only after a closure,
an outcome only after its referral, an evaluation after the first meeting only for a duo that met.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

from buddynet.dates import add_months
from buddynet.features.aftercare.models import (
    DEFAULT_CONTACT_MONTHS,
    AftercareItem,
    Evaluation,
    ItemKind,
    ItemStatus,
    Moment,
    Referral,
    ReferralOutcome,
    ReferralService,
    Respondent,
    ServiceKind,
)
from buddynet.features.signals.models import BarrierType, Signal, SignalStatus
from buddynet.features.signals.services import municipality_of
from buddynet.records.duos.models import CheckInMode, Duo, DuoStatus

SEED = 2026 + 18

# barrier type code: (life domain, descriptions that name nobody)
BARRIERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "housing": ("housing", ("Huur slorpt meer dan de helft van het inkomen op.",
                            "Vocht en schimmel in de woning; de verhuurder reageert niet.")),
    "mobility": ("mobility", ("Geen bus naar de sociale kruidenier na 17 uur.",
                              "Het ziekenhuis is zonder auto anderhalf uur reizen.")),
    "childcare": ("childcare", ("Geen opvang voor een sollicitatiegesprek op korte termijn.",)),
    "discrimination": ("work", ("Werkgever weigerde na het horen van de naam op de cv.",)),
    "complex-procedures": ("administration", ("Aanvraag verhoogde tegemoetkoming drie keer teruggestuurd.",
                                              "Formulieren voor de huurpremie alleen online en in moeilijke taal.")),
    "education-language": ("education", ("Wachtlijst voor Nederlands voor anderstaligen is zes maanden.",)),
    "debt-income": ("income", ("Energiefactuur na afrekening onbetaalbaar.",
                               "Deurwaarderskosten lopen sneller op dan de afbetaling.")),
    "health": ("health", ("Tandarts die sociaal tarief toepast, vindt geen nieuwe patiënten.",)),
    "non-take-up": ("administration", ("Recht op schooltoelage niet aangevraagd: niet van geweten.",
                                       "Sociaal tarief energie niet automatisch toegekend.")),
    "digital-exclusion": ("administration", ("Afspraak bij de dienst kan alleen via de app.",
                                             "Geen computer om het online formulier in te vullen.")),
    "waiting-lists": ("housing", ("Wachtlijst sociale woning: vier jaar.",)),
}
PASSED_ON_TO = ("OCMW {m}", "Stad {m}, dienst welzijn", "Lokaal overleg kinderarmoede {m}", "CAW, regio {m}")

SERVICES: tuple[tuple[str, str, str], ...] = (
    (ServiceKind.OCMW, "OCMW {m}", "onthaal@ocmw.{slug}.be"),
    (ServiceKind.CAW, "CAW onthaal {m}", "onthaal@caw.example.be"),
    (ServiceKind.DEBT, "Schuldbemiddeling {m}", "schuldbemiddeling@{slug}.be"),
    (ServiceKind.EMPLOYMENT, "VDAB werkwinkel {m}", "werkwinkel.{slug}@vdab.example.be"),
    (ServiceKind.HOUSING, "Sociaal verhuurkantoor {m}", "svk@{slug}.be"),
)
SERVICE_FOR_DOMAIN = {"housing": ServiceKind.HOUSING, "income": ServiceKind.DEBT, "work": ServiceKind.EMPLOYMENT,
                      "education": ServiceKind.EMPLOYMENT, "administration": ServiceKind.OCMW}
REFERRAL_REASONS = {
    ServiceKind.OCMW: "Hulp bij aanvraag leefloon en huurpremie.",
    ServiceKind.CAW: "Nood aan een luisterend oor en juridisch advies.",
    ServiceKind.DEBT: "Overzicht van de schulden en een afbetalingsplan.",
    ServiceKind.EMPLOYMENT: "Begeleiding naar een opleiding of een job.",
    ServiceKind.HOUSING: "Op zoek naar een betaalbare en gezonde woning.",
}
AFTERCARE_NOTES = ("Het gaat goed; ze ziet de buurvrouw nog elke week.",
                   "Wat eenzamer sinds het einde, maar gaat naar de praatgroep.",
                   "Belde zelf op om te vertellen over de nieuwe job.",
                   "Geen antwoord op de eerste oproep; later wel bereikt.")
OWN_WORDS = ("Ik durf nu zelf naar het OCMW te bellen.", "Het deed deugd dat iemand gewoon luisterde.",
             "Ik ken nu mensen in de buurt.", "Ik had graag wat meer tijd gehad samen.")


def _slug(municipality: str) -> str:
    return "".join(ch for ch in municipality.lower() if ch.isalnum()) or "gemeente"


def _between(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def add_support_loop(*, project_ids: list[int], recorded_by: dict[int, Any], today: date,
                     seed: int = SEED) -> dict[str, int]:
    """Write the demo's signals, services, referrals, aftercare items and evaluations of these
    projects; `recorded_by` maps project id → coordinator. Returns the counts written."""
    rng = random.Random(seed)
    barrier_types = {b.code: b for b in BarrierType.objects.filter(code__in=list(BARRIERS), active=True)}
    duos = list(Duo.objects.filter(project_id__in=project_ids, started_on__isnull=False)
                .select_related("participant").order_by("project_id", "started_on", "id"))
    participants = {d.participant_id: d.participant for d in duos}
    home: dict[int, str] = {}
    for project_id in project_ids:
        places = Counter(municipality_of(p) for p in participants.values() if p.project_id == project_id)
        places.pop("", None)
        home[project_id] = places.most_common(1)[0][0] if places else "Gent"

    services: list[ReferralService] = []
    for project_id in project_ids:
        m = home[project_id]
        services += [ReferralService(project_id=project_id, kind=kind, name=name.format(m=m),
                                     municipality=m, contact=contact.format(slug=_slug(m)))
                     for kind, name, contact in SERVICES]
    ReferralService.objects.bulk_create(services, batch_size=500)
    service_of = {(s.project_id, s.kind): s for s in services}

    signals: list[Signal] = []
    referrals: list[Referral] = []
    items: list[AftercareItem] = []
    evaluations: list[Evaluation] = []
    for duo in duos:
        p = participants[duo.participant_id]
        by = recorded_by.get(duo.project_id)
        started = duo.started_on
        assert started is not None
        until = min(duo.closed_on or today, today)
        if until <= started:
            continue
        # The participant's voice: after the first meeting, of both sides; at closure, theirs.
        first = min(started + timedelta(days=rng.randint(3, 14)), until)
        fit = rng.choices((5, 4, 3, 2), (0.45, 0.35, 0.12, 0.08))[0]
        for respondent in (Respondent.PARTICIPANT, Respondent.VOLUNTEER):
            evaluations.append(Evaluation(
                participant=p, duo=duo, moment=Moment.FIRST_MEETING, respondent=respondent, date=first,
                heard=rng.choice((3, 4, 4, 5, 5)) if respondent == Respondent.PARTICIPANT else None,
                recommend=rng.choice((3, 4, 5, 5)), fit=fit if rng.random() < 0.8 else max(2, fit - 1),
                recorded_by=by))
        if duo.status == DuoStatus.CLOSED and duo.closed_on is not None and duo.closed_on <= today:
            evaluations.append(Evaluation(
                participant=p, duo=duo, moment=Moment.CLOSURE, date=duo.closed_on,
                heard=rng.choice((3, 4, 5, 5)), decide=rng.choice((2, 3, 4, 4, 5)), network=rng.choice((2, 3, 4, 5)),
                recommend=rng.choice((3, 4, 5, 5)),
                own_words=rng.choice(OWN_WORDS) if rng.random() < 0.4 else "", recorded_by=by))
            # Aftercare: contacts 1 and 3 months after the closure, done when they are past.
            for months in DEFAULT_CONTACT_MONTHS:
                due = add_months(duo.closed_on, months)
                done = due <= today and rng.random() < 0.85
                items.append(AftercareItem(
                    duo=duo, kind=ItemKind.CONTACT, due_on=due,
                    status=ItemStatus.DONE if done else ItemStatus.PLANNED,
                    done_on=min(due + timedelta(days=rng.randint(0, 10)), today) if done else None,
                    mode=rng.choice((CheckInMode.PHONE, CheckInMode.IN_PERSON)) if done else "",
                    note=rng.choice(AFTERCARE_NOTES) if done else "", done_by=by if done else None))
        # A barrier met along the way, for about one duo in four.
        if rng.random() < 0.25:
            code = rng.choice(sorted(barrier_types))
            domain, texts = BARRIERS[code]
            on = _between(rng, started, until)
            age = (today - on).days
            status = SignalStatus.NEW
            if age > 30:
                status = rng.choices((SignalStatus.NEW, SignalStatus.PASSED_ON, SignalStatus.ANSWERED,
                                      SignalStatus.STRUCTURAL), (0.2, 0.35, 0.2, 0.25))[0]
            description = rng.choice(texts) if rng.random() < 0.8 else ""
            m = municipality_of(p)
            moved = status != SignalStatus.NEW
            signals.append(Signal(
                project_id=duo.project_id, participant=p, duo=duo, date=on, life_domain=domain,
                barrier_type=barrier_types[code], description=description, municipality=m, status=status,
                passed_on_to=rng.choice(PASSED_ON_TO).format(m=m or home[duo.project_id]) if moved else "",
                status_changed_on=min(on + timedelta(days=rng.randint(3, 30)), today) if moved else None,
                shareable=bool(description) and rng.random() < 0.6, recorded_by=by))
        # A referral to a service of the directory, for about one duo in six.
        if rng.random() < 0.17:
            domain = rng.choice(sorted(SERVICE_FOR_DOMAIN))
            kind = SERVICE_FOR_DOMAIN[domain] if rng.random() < 0.8 else ServiceKind.CAW
            on = _between(rng, started, until)
            outcome, outcome_on = "", None
            if (today - on).days > 30:
                outcome = rng.choices(ReferralOutcome.values, None)[0]
                outcome_on = min(on + timedelta(days=rng.randint(7, 30)), today)
            referrals.append(Referral(participant=p, service=service_of[(duo.project_id, kind)], date=on,
                                      life_domain=domain, reason=REFERRAL_REASONS[kind], made_by=by,
                                      outcome=outcome, outcome_on=outcome_on))
    for rows in (signals, referrals, items, evaluations):  # choices, ranges, lengths (the database checks the rest)
        for row in rows:
            row.clean_fields(exclude=[f.name for f in row._meta.concrete_fields if f.is_relation])
    Signal.objects.bulk_create(signals, batch_size=500)
    Referral.objects.bulk_create(referrals, batch_size=500)
    AftercareItem.objects.bulk_create(items, batch_size=500)
    Evaluation.objects.bulk_create(evaluations, batch_size=500)
    return {"barrier signals": len(signals), "services": len(services), "referrals": len(referrals),
            "aftercare items": len(items), "evaluations": len(evaluations)}


def remove_support_loop(participants: Any) -> None:
    """Signals keep their participant (PROTECT: a signal report may still count them); the demo's
    own go with its participants. Referrals, aftercare items and evaluations cascade."""
    Signal.objects.filter(participant__in=participants).delete()

