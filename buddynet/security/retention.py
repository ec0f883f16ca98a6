"""Retention and erasure of participant and volunteer data (GDPR art. 5(1)(e), 15 and 17).

- Retention: each project keeps a participant's data `Project.retention_months` (default 24)
  after their last duo closed (or, without any duo, after the record last changed, once the
  participant is closed or dropped out); a volunteer's as long after they stopped (status
  "stopped", no open duo; counted from the later of their last duo closing and the record's last
  change). The nightly task `purge_past_retention` anonymises everyone past that date.
- Erasure on request (art. 17) is the same anonymisation, at once, by an administrator.
- Export on request (art. 15): `participant_export` / `volunteer_export` gather everything about
  one person as a dict (JSON) and a PDF of the same: per record, the fields buddynet/privacy.py
  classifies as PERSONAL or SPECIAL (the classification decides what is the person's data).

Anonymising keeps what aggregates count and drops what identifies or describes the person:
- the participant: names become "Deelnemer" + a code (P00042), e-mail, phone, referrer,
  coordinates and notes are emptied; year of birth, gender, postcode, status, needs levels,
  languages and the consent record stay (reports count them);
- their duos, goals and check-ins: every free-text note emptied, goal texts replaced by "—";
  the labels of a check-in's new contacts replaced by the code their alter gets on the maps;
  dates, modes, statuses and life domains stay (contact counts, goal counts per domain);
- their network maps: notes emptied, every alter label replaced by a code (A1, A2, ... per
  stable key, so the same person keeps the same code on every map); categories, rings and
  ties stay (the network measures and their change over time are unchanged);
- other tables that may repeat the name: notifications about this participant's records
  (name replaced by the code), the admin's history (object text), matching reasons (emptied).
The tables of the features (network maps, notifications, matching reasons, allowances) are
anonymised and exported by their own apps, registered in buddynet/privacy.py (each app's
privacy.py, from its AppConfig.ready); this module calls them and touches only the records
(people, duos, accounts) and the security apps' own tables.
Signed-off funder reports keep their frozen numbers (stored, never recomputed); a draft report
computes the same numbers before and after, since nothing it counts changes.
The audit log is not touched: it never holds a name (buddynet/security/audit.py).

Anonymising a volunteer (`volunteer_anonymise`):
- the volunteer: names become "Vrijwilliger" + a code (V00042), e-mail, phone, coordinates and
  notes are emptied; status, screening dates, capacity, strengths, languages, postcode stay;
- their user account, when it is theirs alone (no other role): deactivated, unusable password,
  e-mail and name replaced by the code, its two-factor devices and sign-in lock-out records
  deleted; the audit log's copy of the actor's e-mail becomes the code address (the actor link
  stays: who did what remains traceable to the same, now anonymous, account);
- their check-ins stay (reports count them) with the anonymised account as author; the texts of
  their duos (check-in notes, goal texts, duo notes) keep what they say about the participant,
  with the volunteer's names replaced by the code;
- their days volunteered and allowances stay as they are (the allowance list must be kept);
- notifications to them or about their records, the admin's history and matching reasons: as
  for participants.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from buddynet import privacy
from buddynet.dates import add_months
from buddynet.records.accounts.models import Membership, User
from buddynet.records.duos.models import OPEN_STATUSES, CheckIn, Duo, Goal
from buddynet.records.people.models import Participant, Person, Volunteer

ANONYMOUS_FIRST_NAME = "Deelnemer"
ANONYMOUS_VOLUNTEER_NAME = "Vrijwilliger"
ERASED_TEXT = privacy.ERASED_TEXT
# The anonymised account's e-mail: unique (the column is), and never deliverable (.invalid, RFC 2606).
ANONYMOUS_EMAIL_DOMAIN = "anonymised.invalid"


def participant_code(participant_id: int) -> str:
    return f"P{participant_id:05d}"


def volunteer_code(volunteer_id: int) -> str:
    return f"V{volunteer_id:05d}"


def retention_end(participant: Participant, *, last_closed: date | None) -> date | None:
    """The day after which this participant's data is past retention; None while it is in use."""
    if last_closed is None:
        if participant.status not in (Participant.Status.CLOSED, Participant.Status.WITHDRAWN):
            return None
        last_closed = timezone.localtime(participant.updated_at).date()
    return add_months(last_closed, participant.project.retention_months)


def volunteer_retention_end(volunteer: Volunteer, *, last_closed: date | None) -> date | None:
    """The day after which this volunteer's data is past retention; None while they volunteer.
    Counted from the later of their last duo closing and the record's last change (which, for a
    stopped volunteer, is when they stopped unless someone edited the record since)."""
    if volunteer.status != Volunteer.Status.STOPPED:
        return None
    stopped = timezone.localtime(volunteer.updated_at).date()
    return add_months(max(stopped, last_closed or stopped), volunteer.project.retention_months)


def _past_retention(model: type[Participant] | type[Volunteer], end_of: Any, today: date | None) -> list[Any]:
    """Records of `model` not yet anonymised, with no open duo, whose `end_of` is before today."""
    today = today or timezone.localdate()
    candidates = (
        model._default_manager.filter(anonymised_at__isnull=True)
        .exclude(duos__status__in=OPEN_STATUSES)
        .annotate(last_closed=Max("duos__closed_on"))
        .select_related("project")
    )
    due = []
    for person in candidates:
        end = end_of(person, last_closed=person.last_closed)
        if end is not None and end < today:
            due.append(person)
    return due


def participants_past_retention(*, today: date | None = None) -> list[Participant]:
    """Participants not yet anonymised, with no open duo, whose retention period has ended."""
    return _past_retention(Participant, retention_end, today)


def volunteers_past_retention(*, today: date | None = None) -> list[Volunteer]:
    """Stopped volunteers not yet anonymised, with no open duo, whose retention period has ended."""
    return _past_retention(Volunteer, volunteer_retention_end, today)


def _names(person: Person) -> list[str]:
    """The ways a text may name the person, longest first (so the full name goes as one)."""
    return sorted({f"{person.first_name} {person.last_name}".strip(), person.last_name, person.first_name},
                  key=len, reverse=True)


def _anonymise_identity(person: Participant | Volunteer, *, first_name: str, code: str) -> None:
    """Names to a code, contact details, coordinates and notes emptied; saved with save(), not
    update(), so the audit log records the anonymisation."""
    person.first_name = first_name
    person.last_name = code
    person.email = ""
    person.phone = ""
    person.notes = ""
    person.latitude = None
    person.longitude = None
    person.anonymised_at = timezone.now()
    person.save()


@transaction.atomic
def participant_anonymise(*, participant: Participant) -> Participant:
    """Irreversibly remove what identifies or describes this participant (see the module doc)."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.anonymised_at is not None:
        return participant
    code = participant_code(participant.pk)
    names = _names(participant)
    participant.referred_by = ""
    _anonymise_identity(participant, first_name=ANONYMOUS_FIRST_NAME, code=code)

    duos = list(Duo.objects.filter(participant=participant))
    duo_ids = [d.pk for d in duos]
    for duo in duos:
        duo.pause_reason = ""
        duo.closure_note = ""
        duo.save(update_fields=["pause_reason", "closure_note", "updated_at"])
    for goal in Goal.objects.filter(duo_id__in=duo_ids):
        goal.description = ERASED_TEXT
        goal.save(update_fields=["description"])
    check_ins = list(CheckIn.objects.filter(duo_id__in=duo_ids).order_by("date", "id"))
    erasure = privacy.Erasure(
        person=participant, code=code, names=names, filter={"participant": participant},
        records=[(Participant, [participant.pk]), (Duo, duo_ids), (CheckIn, [c.pk for c in check_ins])],
    )
    # The apps' own tables first: the maps give the alters the codes the new contacts take.
    for handlers in privacy.handlers():
        if handlers.anonymise_participant is not None:
            handlers.anonymise_participant(erasure)
    for check_in in check_ins:
        check_in.note = ""
        check_in.concern_note = ""
        check_in.concern_handled_note = ""
        check_in.new_contacts = _coded_contacts(check_in, erasure.alter_codes, erasure.contact_codes)
        check_in.save(update_fields=["note", "concern_note", "concern_handled_note", "new_contacts"])
    _scrub_admin_history(erasure.records)
    return participant


def _coded_contacts(
    check_in: CheckIn, codes: dict[Any, str], alter_codes: dict[tuple[int, str], str],
) -> list[Any]:
    """The check-in's new contacts with each label replaced by the code its alter got on the
    maps (the same person, the same code); a contact with no alter (removed from the map
    since) gets a code of its own. Category and life domain stay: they are counted."""
    coded = []
    for contact in check_in.new_contacts or []:
        if not isinstance(contact, dict):
            continue
        label = str(contact.get("label", "")).strip()
        code = alter_codes.get((check_in.pk, label))
        if code is None:
            code = codes.setdefault(("check-in", check_in.pk, label), f"A{len(codes) + 1}")
        coded.append({**contact, "label": code})
    return coded


def _scrub_admin_history(records: list[tuple[Any, list[Any]]]) -> None:
    """The admin's history about these records (model, ids) says "<model> #<id>", not the name."""
    admin_about = Q(pk__in=[])
    for model, ids in records:
        if ids:
            content_type = ContentType.objects.get_for_model(model)
            admin_about |= Q(content_type=content_type, object_id__in=[str(i) for i in ids])
    for entry in AdminLogEntry.objects.filter(admin_about).select_related("content_type"):
        entry.object_repr = f"{entry.content_type.model} #{entry.object_id}"  # type: ignore[attr-defined]
        entry.save(update_fields=["object_repr"])


@transaction.atomic
def volunteer_anonymise(*, volunteer: Volunteer) -> Volunteer:
    """Irreversibly remove what identifies or describes this volunteer (see the module doc)."""
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.anonymised_at is not None:
        return volunteer
    code = volunteer_code(volunteer.pk)
    names = _names(volunteer)
    user = _volunteer_user(volunteer)
    if user is not None and user.full_name:
        names = sorted({*names, user.full_name}, key=len, reverse=True)
    _anonymise_identity(volunteer, first_name=ANONYMOUS_VOLUNTEER_NAME, code=code)

    # The duos' texts are about the participant, whose file they are: they stay (until the
    # participant's own retention ends), without the volunteer's names.
    duos = list(Duo.objects.filter(volunteer=volunteer))
    duo_ids = [d.pk for d in duos]
    for duo in duos:
        _replace_names_in(duo, ("pause_reason", "closure_note"), names, code)
    for goal in Goal.objects.filter(duo_id__in=duo_ids):
        _replace_names_in(goal, ("description",), names, code)
    check_ins = list(CheckIn.objects.filter(Q(duo_id__in=duo_ids) | Q(author=user) if user else Q(duo_id__in=duo_ids)))
    for check_in in check_ins:
        _replace_names_in(check_in, ("note", "concern_note", "concern_handled_note"), names, code)

    records: list[tuple[Any, list[Any]]] = [
        (Volunteer, [volunteer.pk]), (Duo, duo_ids), (CheckIn, [c.pk for c in check_ins]),
    ]
    if user is not None:
        records += [(type(user), [user.pk]), (Membership, list(user.memberships.values_list("pk", flat=True)))]
        if not user.memberships.exclude(volunteer=volunteer).exists():
            _anonymise_account(user, code=code)
    erasure = privacy.Erasure(person=volunteer, code=code, names=names, filter={"volunteer": volunteer},
                              records=records, user=user)
    for handlers in privacy.handlers():
        if handlers.anonymise_volunteer is not None:
            handlers.anonymise_volunteer(erasure)
    _scrub_admin_history(records)
    return volunteer


def _volunteer_user(volunteer: Volunteer) -> Any | None:
    membership = Membership.objects.filter(volunteer=volunteer).select_related("user").first()
    return membership.user if membership is not None else None


def _replace_names_in(obj: Any, fields: tuple[str, ...], names: list[str], code: str) -> None:
    """Replace the names in these text fields (decrypted by the model), saving only a change."""
    changed = []
    for name in fields:
        text = getattr(obj, name)
        if text:
            new = privacy.replace_names(text, names, code)
            if new != text:
                setattr(obj, name, new)
                changed.append(name)
    if changed:
        obj.save(update_fields=[*changed, *(["updated_at"] if hasattr(obj, "updated_at") else [])])


def _anonymise_account(user: User, *, code: str) -> None:
    """A user account that belonged to the erased volunteer alone: it stays (their check-ins
    point to it as author) but cannot sign in and names no one."""
    old_email = user.email
    user.email = f"{code.lower()}@{ANONYMOUS_EMAIL_DOMAIN}"
    user.full_name = f"{ANONYMOUS_VOLUNTEER_NAME} {code}"
    user.is_active = False
    user.is_staff = False
    user.set_unusable_password()
    user.save()
    # The audit log keeps a copy of the actor's e-mail next to the actor link; the link stays.
    LogEntry.objects.filter(Q(actor=user) | Q(actor_email__iexact=old_email)).update(actor_email=user.email)
    # Two-factor devices and lock-out records: the security apps' own tables (two_factor.py, axes.py).
    for device in (TOTPDevice, StaticDevice):
        device.objects.filter(user=user).delete()
    for record in (AccessAttempt, AccessLog, AccessFailureLog):
        record.objects.filter(username__iexact=old_email).delete()


def retention_purge(*, today: date | None = None) -> dict[str, list[int]]:
    """Anonymise every participant and volunteer past retention (one transaction each); the ids
    anonymised, per kind."""
    done: dict[str, list[int]] = {"participants": [], "volunteers": []}
    for participant in participants_past_retention(today=today):
        participant_anonymise(participant=participant)
        done["participants"].append(participant.pk)
    for volunteer in volunteers_past_retention(today=today):
        volunteer_anonymise(volunteer=volunteer)
        done["volunteers"].append(volunteer.pk)
    return done


# --- export (GDPR art. 15) -----------------------------------------------------------------

_row = privacy.export_row


def _audit_trail(model: Any, pk: int) -> list[dict[str, Any]]:
    """Who read or changed this record, when and from where (the audit log)."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_pk=str(pk),
    ).select_related("actor").order_by("timestamp")
    return [
        {"when": e.timestamp.isoformat(), "action": e.get_action_display(),
         "who": getattr(e.actor, "email", None) or e.actor_email, "from": e.remote_addr}
        for e in entries
    ]


def participant_export(*, participant: Participant) -> dict[str, Any]:
    """Everything stored about one participant, decrypted, as plain JSON-ready data."""
    duos = list(Duo.objects.filter(participant=participant).order_by("proposed_on", "id"))
    duo_ids = [d.pk for d in duos]
    export: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "participant": _row(participant),
        "project": participant.project.name,
        "needs_measurements": [_row(m) for m in participant.needs_measurements.order_by("date", "id")],
        "duos": [_row(d) for d in duos],
        "goals": [_row(g) for g in Goal.objects.filter(duo_id__in=duo_ids).order_by("id")],
        "check_ins": [_row(c) for c in CheckIn.objects.filter(duo_id__in=duo_ids).order_by("date", "id")],
    }
    for handlers in privacy.handlers():  # the apps' own tables: network maps
        if handlers.export_participant is not None:
            export.update(handlers.export_participant(participant))
    export["audit"] = _audit_trail(Participant, participant.pk)
    return export


# Held back from a volunteer's export although classified personal or special:
# - the password hash: a credential, not information about the person; handing it out weakens it;
# - a duo's pause reason and closure note: written about the participant (their health, their
#   family), another person's data (art. 15(4)); the duo's dates, statuses and codes are given.
ACCOUNT_LEFT_OUT = ("password",)
DUO_LEFT_OUT = ("pause_reason", "closure_note")


def _participant_shown_to_volunteer(participant: Participant) -> str:
    """The other person in a duo, as the volunteer knew them: the first name, or the code."""
    if participant.anonymised_at is not None:
        return participant_code(participant.pk)
    return participant.first_name


def volunteer_export(*, volunteer: Volunteer) -> dict[str, Any]:
    """Everything stored about one volunteer, decrypted, as plain JSON-ready data. Of the
    participants in their duos only the first name (or code): never another person's record."""
    user = _volunteer_user(volunteer)
    duos = list(Duo.objects.filter(volunteer=volunteer).select_related("participant").order_by("proposed_on", "id"))
    export: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "volunteer": _row(volunteer),
        "project": volunteer.project.name,
        "account": _row(user, leave_out=ACCOUNT_LEFT_OUT) if user is not None else None,
        "memberships": [_row(m) for m in user.memberships.order_by("id")] if user is not None else [],
        "duos": [{**_row(d, leave_out=DUO_LEFT_OUT), "participant": _participant_shown_to_volunteer(d.participant)}
                 for d in duos],
        "check_ins": [_row(c) for c in CheckIn.objects.filter(author=user).order_by("date", "id")] if user else [],
        "days_volunteered": [_row(d) for d in volunteer.volunteer_days.order_by("date")],
    }
    for handlers in privacy.handlers():  # the apps' own tables: allowances
        if handlers.export_volunteer is not None:
            export.update(handlers.export_volunteer(volunteer))
    export["audit"] = _audit_trail(Volunteer, volunteer.pk)
    return export


def _export_pdf(data: dict[str, Any], *, person: dict[str, Any]) -> bytes:
    """An export as a PDF (WeasyPrint, as the funder reports): one section per key."""
    import json

    from django.template.loader import render_to_string
    from weasyprint import HTML

    sections = [(key, json.dumps(value, indent=2, ensure_ascii=False, default=str))
                for key, value in data.items() if key not in ("exported_at",)]
    html = render_to_string("security/person_export.html", {"data": data, "person": person, "sections": sections})
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def participant_export_pdf(*, participant: Participant) -> bytes:
    """The same export as a PDF."""
    data = participant_export(participant=participant)
    return _export_pdf(data, person=data["participant"])


def volunteer_export_pdf(*, volunteer: Volunteer) -> bytes:
    """The same export as a PDF."""
    data = volunteer_export(volunteer=volunteer)
    return _export_pdf(data, person=data["volunteer"])
