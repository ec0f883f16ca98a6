"""Data classification: for every field of the records about people, how personal it is (GDPR).

One registry, read by code and by people (a data protection officer starts here):

- NORMAL: says nothing about a person on its own: keys, record timestamps, project and
  organisation settings, flags of the software.
- PERSONAL: about an identifiable person (GDPR art. 4): names, contact details, place, age,
  preferences, roles, the dates and statuses of their trajectory, links between people.
- SPECIAL: special-category data (GDPR art. 9: health, and here also family situation) or text
  that may hold it. Every free-text note is SPECIAL: whatever a coordinator or volunteer types
  about a person in poverty may mention their health, family or debts.

The second half is the registry of who erases and exports what (GDPR art. 15 and 17): each app
registers, from its AppConfig.ready, the functions that anonymise or export a person's data in
its own tables (as pretix's data shredders do); buddynet/security/retention.py calls them and
reaches into no other app's tables.

ENCRYPTED lists the fields stored encrypted at rest (buddynet/crypto.py); NOT_ENCRYPTED says,
for each SPECIAL field that is not, why. tests/security/test_privacy.py keeps the three in step
with the models: a new field of a covered app fails the suite until it is classified here.

This module imports nothing of the project, so every layer may read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from buddynet.records.accounts.models import User


class Level(StrEnum):
    NORMAL = "normal"
    PERSONAL = "personal"
    SPECIAL = "special"


N, P, S = Level.NORMAL, Level.PERSONAL, Level.SPECIAL

# The apps whose every model field must be classified (the test checks these, and only these,
# so an app added later is not failed before its authors classify it: add its label here then).
COVERED_APPS: tuple[str, ...] = ("accounts", "people", "duos", "netwerk", "matching", "notifications", "funding",
                                  "signals", "aftercare")

# Models of other apps whose every field is classified all the same (none left since issue 16:
# every app that holds data about people is covered).
COVERED_MODELS: tuple[str, ...] = ()

# Fields that Participant and Volunteer share (people.Person, abstract).
_PERSON: dict[str, Level] = {
    "id": N,
    "project": P,  # taking part in a project against poverty says something about the person
    "first_name": P,
    "last_name": P,
    "email": P,
    "phone": P,
    "birth_year": P,
    "gender": P,
    "postcode": P,
    "municipality": P,
    "latitude": P,
    "longitude": P,
    "mobility": S,  # one of its codes is "limited mobility (housebound)": health
    "languages": P,
    "interests": P,
    "availability": P,
    "gender_preference": P,
    "preferred_age_min": P,
    "preferred_age_max": P,
    "notes": S,  # free text
    "created_at": N,
    "updated_at": N,
    "waiting_since": P,
    "status": P,
}

REGISTRY: dict[str, dict[str, Level]] = {
    "accounts.User": {
        "id": N,
        "password": P,  # a salted hash, still the person's credential
        "last_login": P,
        "is_superuser": N,
        "email": P,
        "full_name": P,
        "language": P,
        "is_active": N,
        "is_staff": N,
        "date_joined": N,
        "groups": N,
        "user_permissions": N,
    },
    "accounts.Membership": {
        "id": N,
        "user": P,
        "role": P,  # who is a volunteer, a coordinator, a funder
        "project": N,
        "volunteer": P,
        "funder": N,
        "organisation": N,
        "created_at": N,
    },
    "accounts.SupportAccess": {  # an organisation lets the platform administrators read its records
        "id": N,
        "organisation": N,
        "granted_by": P,
        "reason": P,  # free text, but about the platform's work, not about a participant
        "granted_at": N,
        "until": N,
        "revoked_at": N,
        "revoked_by": P,
    },
    "accounts.Invitation": {  # a sign-in link sent to a new account (accounts/invitations.py)
        "id": N,
        "user": P,
        "role": P,
        "invited_by": P,
        "sent_at": P,  # when a person was asked to start using buddynet
    },
    "people.Organisation": {
        "id": N,
        "name": N,
        "kind": N,
        "enterprise_number": N,
        "created_at": N,
        "email_sender_name": N,  # the organisation's name as its e-mails' sender
        "email_reply_to": P,  # an address that may be a coordinator's own
    },
    "people.Funder": {  # an organisation that funds projects (moved here from funding)
        "id": N,
        "name": N,
        "grant_cap": N,
        "created_at": N,
    },
    "people.Project": {
        "id": N,
        "organisation": N,
        "name": N,
        "start_date": N,
        "end_date": N,
        "contact_cadence_days": N,
        "quiet_alert_days": N,
        "planned_duo_months": N,
        "default_max_travel_km": N,
        "retention_months": N,
        "screening_valid_months": N,
        "matching_weights": N,
        "created_at": N,
    },
    "people.Participant": {
        **_PERSON,
        "referred_by": P,  # the referring service (OCMW, CAW, ...)
        "anonymised_at": N,  # when the record stopped being about an identifiable person
        "needs": S,  # need per life domain, health and income among them
        "interpreter_arranged": P,
        "consent_date": P,
        "consent_scope": P,
        "consent_recorded_by": P,
    },
    "people.ConsentEvent": {  # the consent history: what the participant agreed to, when, how
        "id": N,
        "participant": P,
        "kind": P,
        "scope": P,
        "on": P,
        "how": P,  # "spoken, with an interpreter" says something about the person's language
        "recorded_by": P,
        "created_at": N,
    },
    "people.Volunteer": {
        **_PERSON,
        "intake_date": P,
        "training_date": P,
        "criminal_record_checked_on": P,  # the date a clean extract was seen, not its content
        "capacity": P,
        "max_travel_km": P,
        "strengths": P,
        "privacy_informed_on": P,
        "agreement_signed_on": P,
        "anonymised_at": N,  # when the record stopped being about an identifiable person
    },
    "duos.Duo": {
        "id": N,
        "project": N,
        "volunteer": P,
        "participant": P,
        "status": P,
        "proposed_on": P,
        "introduced_on": P,
        "started_on": P,
        "paused_on": P,
        "pause_reason": S,  # free text ("in hospital", "family trouble")
        "planned_end_on": P,
        "next_meeting_on": P,
        "closed_on": P,
        "closure_reason": S,  # one of its codes is "health"
        "closure_note": S,  # free text
        "evaluation_volunteer": P,
        "evaluation_participant": P,
        "next_step": P,
        "created_by": P,
        "created_at": N,
        "updated_at": N,
    },
    "duos.Goal": {
        "id": N,
        "duo": P,
        "life_domain": P,
        "description": S,  # free text
        "status": P,
        "created_at": N,
        "updated_at": N,
    },
    "duos.VolunteerDay": {  # days volunteered, for the flat-rate allowance (funding)
        "id": N,
        "volunteer": P,
        "date": P,
        "created_by": P,
        "created_at": N,
    },
    "duos.CheckIn": {
        "id": N,
        "duo": P,
        "author": P,
        "client_uuid": N,
        "date": P,
        "duration_minutes": P,
        "mode": P,
        "activities": P,
        "life_domains": P,
        "mood": P,
        "note": S,  # free text
        "concern": P,
        "concern_note": S,  # free text: why the volunteer is worried
        "concern_handled_at": P,
        "concern_handled_by": P,
        "concern_handled_note": S,  # free text
        "new_contacts": P,  # pseudonymous labels and categories of new ties
        "created_at": N,
        "updated_at": N,
    },
    # netwerk: the participant's personal network. The people in it are third parties, known by
    # a pseudonymous label (a first name, nickname or role), never a full name.
    # aftercare (issue 18): contacts after a duo closed, and each project's rules for them.
    "aftercare.AftercareSettings": {
        "id": N,
        "project": N,
        "contact_months": N,
        "closure_map": N,
        "interim_map_months": N,
    },
    "aftercare.AftercareItem": {
        "id": N,
        "duo": P,
        "kind": P,
        "due_on": P,
        "status": P,
        "done_on": P,
        "mode": P,
        "note": S,  # free text: how the participant is doing after the duo
        "done_by": P,
        "created_at": N,
        "updated_at": N,
    },
    "aftercare.ReferralService": {  # a service of the directory: an organisation, not a person
        "id": N,
        "project": N,
        "name": N,
        "kind": N,
        "municipality": N,
        "contact": N,
        "active": N,
    },
    "aftercare.Referral": {
        "id": N,
        "participant": P,
        "service": P,
        "date": P,
        "life_domain": P,
        "reason": S,  # free text about the participant's situation
        "made_by": P,
        "outcome": P,
        "outcome_on": P,
        "outcome_note": S,  # free text
        "created_at": N,
        "updated_at": N,
    },
    "aftercare.Evaluation": {  # the participant's own evaluation (issue 18)
        "id": N,
        "participant": P,
        "duo": P,
        "moment": P,
        "respondent": P,
        "source": P,
        "date": P,
        "heard": P,
        "decide": P,
        "network": P,
        "recommend": P,
        "fit": P,
        "own_words": S,  # free text in the participant's own words
        "recorded_by": P,
        "created_at": N,
    },
    "netwerk.NetworkMap": {
        "id": N,
        "participant": P,
        "occasion": P,
        "date": P,
        "recorded_by": P,
        "copied_from": N,  # another snapshot of the same map
        "note": S,  # free text: what the participant told about their network
        "created_at": N,
        "updated_at": N,
    },
    "netwerk.Alter": {
        "id": N,
        "map": P,
        "key": N,  # a random id, the same person across snapshots
        "label": P,  # pseudonymous; masked in the audit log, coded on erasure
        "category": P,
        "life_domains": P,
        "support_types": P,
        "ring": P,
        "contact_frequency": P,
        "valence": P,
        "reciprocity": P,
        "via_buddy": P,
        "added_by": P,
        "check_in": P,
        "created_at": N,
    },
    # matching: frozen match runs and the coordinator's decisions on pairs of people.
    "matching.MatchRun": {
        "id": N,
        "project": N,
        "pooled": N,
        "projects": N,  # the projects of a pooled run
        "created_by": P,
        "created_at": N,
        "started_at": N,
        "finished_at": N,
        "status": N,
        "progress": N,
        "stage": N,
        "pools": P,  # the ids of who was waiting and who was available
        "weights": N,
        "rules": P,  # forbidden and locked pairs of people, by id
        "solver": N,
        "solver_status": N,
        "objective": N,
        "participant_count": N,
        "volunteer_count": N,
        "feasible_pairs": N,
        "matched_count": N,
        "timings": N,
        "unmatched": P,  # per participant id, a coded reason (no free text)
        "error": N,  # minimised: the solver's exception text, never a person's data (MINIMISED)
    },
    "matching.Proposal": {
        "id": N,
        "run": N,
        "participant": P,
        "volunteer": P,
        "score": P,
        "parts": P,  # the score per criterion (distance, languages, ...)
        "distance_km": P,
        "locked": P,
        "alternatives": P,
        "decision": P,
        "decision_reason": S,  # free text about two people: why they do not fit
        "decided_by": P,
        "decided_at": P,
        "duo": P,
    },
    "matching.ForbiddenPair": {
        "id": N,
        "project": N,
        "participant": P,
        "volunteer": P,
        "reason": S,  # free text (a failed duo, a known conflict)
        "created_by": P,
        "created_at": N,
    },
    "matching.LockedPair": {
        "id": N,
        "project": N,
        "participant": P,
        "volunteer": P,
        "reason": S,  # free text
        "created_by": P,
        "created_at": N,
    },
    # notifications: messages to coordinators, volunteers and funders. Their text is made by
    # notifications/messages.py from names, dates and codes only, never from a note (MINIMISED).
    "notifications.Notification": {
        "id": N,
        "recipient": P,
        "kind": P,
        "channel": N,
        "language": P,
        "subject": P,  # names the duo or volunteer
        "body": P,  # names and dates; "open buddynet to read it" instead of any note
        "link": N,
        "content_type": N,
        "object_id": P,
        "attachment": N,
        "dedup_key": N,
        "digest": N,
        "created_at": N,
        "claimed_until": N,
        "sent_at": P,
        "read_at": P,
        "failed_at": N,
        "attempts": N,
        "last_error": N,  # the mail server's answer (MINIMISED)
    },
    "notifications.Preference": {
        "id": N,
        "user": P,
        "email_frequency": P,
    },
    "notifications.ProjectRules": {
        "id": N,
        "project": N,
        "disabled_kinds": N,
        "first_month_days": N,
        "first_month_min_check_ins": N,
        "new_duo_days": N,
        "screening_warn_days": N,
        "planned_end_warn_days": N,
        "obligation_warn_days": N,
    },
    # funding: money of the organisation; only allowances are about a person.
    "funding.Grant": {
        "id": N,
        "funder": N,
        "project": N,
        "reference": N,
        "amount": N,
        "start_date": N,
        "end_date": N,
        "created_at": N,
    },
    "funding.BudgetLine": {"id": N, "grant": N, "kind": N, "amount": N},
    "funding.Tranche": {"id": N, "grant": N, "due_on": N, "amount": N, "condition": N, "paid_on": N},
    "funding.ReportingObligation": {
        "id": N, "grant": N, "kind": N, "due_on": N, "submitted_on": N, "approved_on": N,
    },
    "funding.Expense": {
        "id": N,
        "grant": N,
        "budget_line": N,
        "date": N,
        "amount": N,
        "description": P,  # what was bought; may name a volunteer (travel costs); searchable, so plain
        "supplier": P,  # may be a person (a trainer)
        "receipt": P,  # a scan: may show a name
        "overspend_justification": S,  # free text
        "created_by": P,
        "created_at": N,
    },
    "funding.AllowanceCap": {"id": N, "year": N, "daily_cap": N, "yearly_cap": N},
    # What an organisation decides within the legal caps (issue 16): a setting, about no one; who
    # changed it last is a staff member's account (PERSONAL, like created_by elsewhere).
    "funding.AllowanceSettings": {
        "id": N, "organisation": N, "default_kind": N, "daily_rate": N, "yearly_maximum": N,
        "updated_at": N, "updated_by": P,
    },
    "funding.ProgressReport": {
        "id": N,
        "grant": N,
        "period_start": N,
        "period_end": N,
        "status": N,
        "numbers": N,  # aggregates only, counts below 5 suppressed (funding/reports.py)
        "pdf": N,
        "created_by": P,
        "created_at": N,
        "signed_off_by": P,
        "frozen_at": N,
        "version": N,
        "previous": N,
        "pdf_sha256": N,
        "obligation": N,
        "answer": N,
        "answer_comment": S,  # a funder's free text about the report: encrypted
        "answered_by": P,
        "answered_at": N,
    },
    # The narrative of a report version (issue 19): free text about the project, which may still
    # mention someone's situation, so SPECIAL and encrypted; what the funder reads is the frozen PDF.
    "funding.ReportNarrative": {
        "id": N,
        "report": N,
        "highlights": S,
        "difficulties": S,
        "deviations": S,
        "outlook": S,
        "saved_by": P,
        "saved_at": N,
    },
    # Annexes: files the coordinator attaches (a photo may show people): SPECIAL.
    "funding.ReportAnnex": {
        "id": N,
        "report": N,
        "file": S,
        "name": P,
        "content_type": N,
        "size": N,
        "sha256": N,
        "uploaded_by": P,
        "uploaded_at": N,
    },
    # A portfolio report made off the request (issue 20): aggregates only, like the report itself;
    # who asked for it, and its result file, kept PORTFOLIO_RESULT_HOURS.
    "funding.PortfolioJob": {
        "id": N,
        "funder": N,
        "requested_by": P,
        "period_start": N,
        "period_end": N,
        "fmt": N,
        "sort": N,
        "descending": N,
        "language": N,
        "created_at": N,
        "started_at": N,
        "finished_at": N,
        "expires_at": N,
        "status": N,
        "progress": N,
        "stage": N,
        "projects_total": N,
        "projects_done": N,
        "result": N,  # made from the published numbers only (counts below 5 suppressed)
        "error": N,
    },
    "funding.AllowancePayment": {  # the yearly allowance list the organisation must keep
        "id": N,
        "volunteer": P,
        "kind": P,
        "paid_on": P,
        "year": P,
        "days": P,
        "amount": P,
        "created_by": P,
        "created_at": N,
    },
    "funding.DeclaredAllowance": {
        "id": N,
        "volunteer": P,
        "year": P,
        "organisation": P,  # where else the person volunteers
        "days": P,
        "amount": P,
        "created_at": N,
    },
    "people.NeedsMeasurement": {  # the needs per life domain measured on a date (issue 18)
        "id": N,
        "participant": P,
        "occasion": P,
        "date": P,
        "needs": S,  # levels per life domain, e.g. health, income and debts
        "recorded_by": P,
        "created_at": N,
    },
    "signals.BarrierType": {"id": N, "code": N, "name_nl": N, "name_en": N, "active": N, "position": N},
    "signals.Signal": {  # a structural barrier met during a participant's trajectory (issue 18)
        "id": N,
        "project": P,
        "participant": P,
        "duo": P,
        "check_in": P,
        "date": P,
        "life_domain": P,
        "barrier_type": P,  # e.g. "debt and income" or "health" about a person: counted, never shown per person
        "description": S,  # free text
        "municipality": P,
        "status": N,
        "passed_on_to": N,  # a service or policy body, not a person's data
        "status_changed_on": N,
        "shareable": N,
        "recorded_by": P,
        "created_at": N,
        "updated_at": N,
    },
    "netwerk.Tie": {  # who in the participant's network knows whom
        "id": N,
        "map": P,
        "a": P,
        "b": P,
    },
}

# Stored encrypted at rest (buddynet.crypto.EncryptedTextField / EncryptedCharField).
ENCRYPTED: frozenset[tuple[str, str]] = frozenset({
    ("people.Participant", "notes"),
    ("people.Volunteer", "notes"),
    ("duos.Duo", "pause_reason"),
    ("duos.Duo", "closure_note"),
    ("duos.Goal", "description"),
    ("duos.CheckIn", "note"),
    ("duos.CheckIn", "concern_note"),
    ("duos.CheckIn", "concern_handled_note"),
    ("netwerk.NetworkMap", "note"),
    ("aftercare.AftercareItem", "note"),
    ("aftercare.Referral", "reason"),
    ("aftercare.Referral", "outcome_note"),
    ("aftercare.Evaluation", "own_words"),
    ("matching.Proposal", "decision_reason"),
    ("matching.ForbiddenPair", "reason"),
    ("matching.LockedPair", "reason"),
    ("funding.Expense", "overspend_justification"),
    ("funding.ProgressReport", "answer_comment"),
    ("funding.ReportNarrative", "highlights"),
    ("funding.ReportNarrative", "difficulties"),
    ("funding.ReportNarrative", "deviations"),
    ("funding.ReportNarrative", "outlook"),
    ("signals.Signal", "description"),
})

# Text columns kept plain because what goes in is minimised by construction, not typed by a
# person about a person: each with the reason (tests/security/test_privacy.py checks the list).
MINIMISED: dict[tuple[str, str], str] = {
    ("notifications.Notification", "body"): (
        "made by notifications/messages.py from names, dates and codes; a concern or note is never "
        "copied in (the message says: open buddynet to read it); delivered by e-mail anyway"
    ),
    ("notifications.Notification", "last_error"): "the mail server's error answer",
    ("matching.MatchRun", "error"): "the solver's exception message; the engine sees ids and numbers only",
    ("funding.PortfolioJob", "error"): "the exception of a report made from published numbers only",
}

# SPECIAL fields kept readable by the database, and why. They are codes, not text: the matcher
# and the aggregate reports filter and count them in SQL, which encryption would prevent. They
# are protected by access scoping, and by the funder reports' aggregation.
NOT_ENCRYPTED: dict[tuple[str, str], str] = {
    ("people.Participant", "mobility"): "a code the matcher filters on",
    ("people.Volunteer", "mobility"): "a code the matcher filters on",
    ("people.Participant", "needs"): "levels per life domain that the matcher and reports read in queries",
    ("people.NeedsMeasurement", "needs"): "levels per life domain that the funder report's change reads",
    ("duos.Duo", "closure_reason"): "a code counted in the funder reports",
    ("funding.ReportAnnex", "file"): (
        "a file in the media storage, never at a public address: served only by the access-checked "
        "download (no-store); encrypt the media volume or bucket itself (README, Production)"
    ),
}


def level_of(model_label: str, field_name: str) -> Level:
    """The classification of one field; KeyError for a field nobody classified."""
    return REGISTRY[model_label][field_name]


def fields_at(level: Level) -> list[tuple[str, str]]:
    """Every (model label, field name) at exactly this level, e.g. for exports or masking."""
    return [(model, name) for model, fields in REGISTRY.items() for name, lvl in fields.items() if lvl == level]


def exported_fields(model_label: str) -> list[str]:
    """The fields a subject-access export (GDPR art. 15) gives for one model: every PERSONAL or
    SPECIAL field, in the registry's order. NORMAL fields (keys, record timestamps, settings) say
    nothing about the person and are left out. KeyError for a model nobody classified, so an
    export never silently drops, or leaks, a model's fields."""
    return [name for name, level in REGISTRY[model_label].items() if level != Level.NORMAL]


# --- who erases and exports what (GDPR art. 15 and 17) ---------------------------------------

ERASED_TEXT = "—"  # what a text that cannot keep anything becomes


@dataclass
class Erasure:
    """One person being anonymised, as each app's anonymiser sees it.

    `records` are the (model, ids) that are about the person (their record, duos, check-ins, and
    a volunteer's account and memberships): other tables that mention them scrub those mentions.
    `filter` selects the person in tables that point at them ({"participant": p} or
    {"volunteer": v}). An app that gives alters pseudonyms fills `alter_codes` (per stable key)
    and `contact_codes` (per (check-in id, label) of a new contact that became an alter), so a
    check-in's new contacts get the same code as the alter on the maps."""

    person: Any
    code: str
    names: list[str]
    records: list[tuple[Any, list[Any]]]
    filter: dict[str, Any]
    user: User | None = None
    alter_codes: dict[Any, str] = field(default_factory=dict)
    contact_codes: dict[tuple[int, str], str] = field(default_factory=dict)

    def replace_names(self, text: str) -> str:
        """The text with every way of naming the person replaced by their code."""
        return replace_names(text, self.names, self.code)


def replace_names(text: str, names: list[str], code: str) -> str:
    """`text` with each of `names` (whole words, any case; give the longest first) replaced by `code`."""
    for name in names:
        if name:
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", code, text, flags=re.IGNORECASE)
    return text


@dataclass(frozen=True)
class Handlers:
    """What one app does with a person's data in its own tables; None where it holds none.
    Anonymisers change rows in place (inside the caller's transaction); exporters return the
    sections they add to the export, e.g. {"network_maps": [...]}."""

    anonymise_participant: Callable[[Erasure], None] | None = None
    anonymise_volunteer: Callable[[Erasure], None] | None = None
    export_participant: Callable[[Any], dict[str, Any]] | None = None
    export_volunteer: Callable[[Any], dict[str, Any]] | None = None


_HANDLERS: dict[str, Handlers] = {}


def export_row(obj: Any, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """One record in a subject-access export: its id (so ties can name their alters) and every
    field the classification above calls PERSONAL or SPECIAL, decrypted; foreign keys as ids.
    `leave_out` names the few such fields an export holds back, each for a reason said where it
    is asked."""
    meta = obj._meta
    row: dict[str, Any] = {"id": obj.pk}
    for name in exported_fields(meta.label):
        if name in leave_out:
            continue
        model_field = meta.get_field(name)
        if model_field.many_to_many:
            value: Any = sorted(getattr(obj, name).values_list("pk", flat=True))
        else:
            value = getattr(obj, model_field.attname)
        row[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return row


def register(app_label: str, handlers: Handlers) -> None:
    """Called from an app's AppConfig.ready; registering again replaces (ready may run twice)."""
    _HANDLERS[app_label] = handlers


def handlers() -> list[Handlers]:
    """The registered handlers, in the order the apps registered (INSTALLED_APPS order)."""
    return list(_HANDLERS.values())
