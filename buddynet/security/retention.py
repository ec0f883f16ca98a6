"""Retention and erasure of participant data (GDPR art. 5(1)(e), 15 and 17).

- Retention: each project keeps a participant's data `Project.retention_months` (default 24)
  after their last duo closed (or, without any duo, after the record last changed, once the
  participant is closed or dropped out). The nightly task `purge_past_retention` anonymises
  every participant past that date.
- Erasure on request (art. 17) is the same anonymisation, at once, by an administrator.
- Export on request (art. 15): `participant_export` gathers everything about one participant
  as a dict (JSON) and a PDF of the same: per record, the fields buddynet/privacy.py classifies
  as PERSONAL or SPECIAL (the classification decides what is the person's data).

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
Signed-off funder reports keep their frozen numbers (stored, never recomputed); a draft report
computes the same numbers before and after, since nothing it counts changes.
The audit log is not touched: it never holds a name (buddynet/security/audit.py).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from buddynet import privacy
from buddynet.duos.models import OPEN_STATUSES, CheckIn, Duo, Goal
from buddynet.people.models import Participant

ANONYMOUS_FIRST_NAME = "Deelnemer"
ERASED_TEXT = "—"


def participant_code(participant_id: int) -> str:
    return f"P{participant_id:05d}"


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def retention_end(participant: Participant, *, last_closed: date | None) -> date | None:
    """The day after which this participant's data is past retention; None while it is in use."""
    if last_closed is None:
        if participant.status not in (Participant.Status.CLOSED, Participant.Status.WITHDRAWN):
            return None
        last_closed = timezone.localtime(participant.updated_at).date()
    return _add_months(last_closed, participant.project.retention_months)


def participants_past_retention(*, today: date | None = None) -> list[Participant]:
    """Participants not yet anonymised, with no open duo, whose retention period has ended."""
    today = today or timezone.localdate()
    candidates = (
        Participant.objects.filter(anonymised_at__isnull=True)
        .exclude(duos__status__in=OPEN_STATUSES)
        .annotate(last_closed=Max("duos__closed_on"))
        .select_related("project")
    )
    due = []
    for participant in candidates:
        end = retention_end(participant, last_closed=participant.last_closed)
        if end is not None and end < today:
            due.append(participant)
    return due


def _optional_model(label: str) -> Any | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _replace_names(text: str, names: list[str], code: str) -> str:
    for name in names:
        if name:
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", code, text, flags=re.IGNORECASE)
    return text


@transaction.atomic
def participant_anonymise(*, participant: Participant) -> Participant:
    """Irreversibly remove what identifies or describes this participant (see the module doc)."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.anonymised_at is not None:
        return participant
    code = participant_code(participant.pk)
    names = sorted({f"{participant.first_name} {participant.last_name}".strip(), participant.last_name,
                    participant.first_name}, key=len, reverse=True)

    participant.first_name = ANONYMOUS_FIRST_NAME
    participant.last_name = code
    participant.email = ""
    participant.phone = ""
    participant.referred_by = ""
    participant.notes = ""
    participant.latitude = None
    participant.longitude = None
    participant.anonymised_at = timezone.now()
    participant.save()  # save(), not update(): the audit log records the anonymisation

    duos = list(Duo.objects.filter(participant=participant))
    duo_ids = [d.pk for d in duos]
    for duo in duos:
        duo.pause_reason = ""
        duo.closure_note = ""
        duo.save(update_fields=["pause_reason", "closure_note", "updated_at"])
    for goal in Goal.objects.filter(duo_id__in=duo_ids):
        goal.description = ERASED_TEXT
        goal.save(update_fields=["description"])
    codes, alter_codes = _anonymise_maps(participant)
    check_ins = list(CheckIn.objects.filter(duo_id__in=duo_ids).order_by("date", "id"))
    for check_in in check_ins:
        check_in.note = ""
        check_in.concern_note = ""
        check_in.concern_handled_note = ""
        check_in.new_contacts = _coded_contacts(check_in, codes, alter_codes)
        check_in.save(update_fields=["note", "concern_note", "concern_handled_note", "new_contacts"])

    _scrub_other_tables(participant, duo_ids, [c.pk for c in check_ins], names, code)
    return participant


def _anonymise_maps(participant: Participant) -> tuple[dict[Any, str], dict[tuple[int, str], str]]:
    """Codes the alters; returns the codes per stable key, and per (check-in id, old label) the
    code of the alter that a check-in's new contact became (for `_coded_contacts`)."""
    codes: dict[Any, str] = {}
    from_check_ins: dict[tuple[int, str], str] = {}
    network_map = _optional_model("netwerk.NetworkMap")
    alter_model = _optional_model("netwerk.Alter")
    if network_map is None or alter_model is None:
        return codes, from_check_ins
    for alter in alter_model.objects.filter(map__participant=participant).order_by("map__date", "map_id", "id"):
        codes.setdefault(alter.key, f"A{len(codes) + 1}")
        if alter.check_in_id is not None:
            from_check_ins.setdefault((alter.check_in_id, alter.label), codes[alter.key])
        alter.label = codes[alter.key]
        alter.save(update_fields=["label"])
    for m in network_map.objects.filter(participant=participant).exclude(note=""):
        m.note = ""
        m.save(update_fields=["note", "updated_at"])
    return codes, from_check_ins


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


def _scrub_other_tables(
    participant: Participant, duo_ids: list[int], check_in_ids: list[int], names: list[str], code: str,
) -> None:
    from django.contrib.admin.models import LogEntry as AdminLogEntry
    from django.contrib.contenttypes.models import ContentType

    def ct(model: Any) -> ContentType:
        return ContentType.objects.get_for_model(model)

    objects = Q(content_type=ct(Participant), object_id=participant.pk)
    if duo_ids:
        objects |= Q(content_type=ct(Duo), object_id__in=duo_ids)
    if check_in_ids:
        objects |= Q(content_type=ct(CheckIn), object_id__in=check_in_ids)

    notification = _optional_model("notifications.Notification")
    if notification is not None:
        for n in notification.objects.filter(objects):
            n.subject = _replace_names(n.subject, names, code)[:200]
            n.body = _replace_names(n.body, names, code)
            n.save(update_fields=["subject", "body"])

    admin_objects = Q(content_type=ct(Participant), object_id=str(participant.pk))
    for model, ids in ((Duo, duo_ids), (CheckIn, check_in_ids)):
        if ids:
            admin_objects |= Q(content_type=ct(model), object_id__in=[str(i) for i in ids])
    for entry in AdminLogEntry.objects.filter(admin_objects):
        entry.object_repr = f"{entry.content_type.model} #{entry.object_id}"
        entry.save(update_fields=["object_repr"])

    proposal = _optional_model("matching.Proposal")
    if proposal is not None:
        proposal.objects.filter(participant=participant).exclude(decision_reason="").update(decision_reason="")
    for label in ("matching.ForbiddenPair", "matching.LockedPair"):
        rule = _optional_model(label)
        if rule is not None:
            rule.objects.filter(participant=participant).update(reason=ERASED_TEXT)


def purge_past_retention(*, today: date | None = None) -> list[int]:
    """Anonymise every participant past retention; the ids anonymised (one transaction each)."""
    done = []
    for participant in participants_past_retention(today=today):
        participant_anonymise(participant=participant)
        done.append(participant.pk)
    return done


# --- export (GDPR art. 15) -----------------------------------------------------------------

def _row(obj: Any) -> dict[str, Any]:
    """The record's id (so ties can name their alters) and every field that the classification
    (buddynet/privacy.py) calls PERSONAL or SPECIAL, decrypted; foreign keys as ids."""
    meta = obj._meta
    row: dict[str, Any] = {"id": obj.pk}
    for name in privacy.exported_fields(meta.label):
        field = meta.get_field(name)
        if field.many_to_many:
            value: Any = sorted(getattr(obj, name).values_list("pk", flat=True))
        else:
            value = getattr(obj, field.attname)
        row[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return row


def participant_export(*, participant: Participant) -> dict[str, Any]:
    """Everything stored about one participant, decrypted, as plain JSON-ready data."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    duos = list(Duo.objects.filter(participant=participant).order_by("proposed_on", "id"))
    duo_ids = [d.pk for d in duos]
    export: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "participant": _row(participant),
        "project": participant.project.name,
        "duos": [_row(d) for d in duos],
        "goals": [_row(g) for g in Goal.objects.filter(duo_id__in=duo_ids).order_by("id")],
        "check_ins": [_row(c) for c in CheckIn.objects.filter(duo_id__in=duo_ids).order_by("date", "id")],
        "network_maps": [],
    }
    network_map = _optional_model("netwerk.NetworkMap")
    if network_map is not None:
        for m in network_map.objects.filter(participant=participant).prefetch_related("alters", "ties"):
            export["network_maps"].append({
                **_row(m), "alters": [_row(a) for a in m.alters.all()], "ties": [_row(t) for t in m.ties.all()],
            })
    reads = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Participant), object_pk=str(participant.pk),
    ).select_related("actor").order_by("timestamp")
    export["audit"] = [
        {"when": e.timestamp.isoformat(), "action": e.get_action_display(),
         "who": getattr(e.actor, "email", None) or e.actor_email, "from": e.remote_addr}
        for e in reads
    ]
    return export


def participant_export_pdf(*, participant: Participant) -> bytes:
    """The same export as a PDF (WeasyPrint, as the funder reports)."""
    import json

    from django.template.loader import render_to_string
    from weasyprint import HTML

    data = participant_export(participant=participant)
    sections = [(key, json.dumps(value, indent=2, ensure_ascii=False, default=str))
                for key, value in data.items() if key not in ("exported_at",)]
    html = render_to_string("security/participant_export.html", {"data": data, "sections": sections})
    return HTML(string=html).write_pdf()
