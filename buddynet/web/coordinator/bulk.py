"""Bulk start (issue 17): import participants and volunteers from a CSV/XLSX file, and export them.

An organisation moving to buddynet has its people in spreadsheets. The coordinator uploads one;
the page shows row by row what will be created and what is wrong, per cell, in Dutch; nothing is
written until they confirm. Each row goes through the intake's own step forms
(buddynet/web/coordinator_forms.py: the same validation as the wizard), `intake_data` (the same
data) and, on confirm, people/services.py `people_import` — participant_save / volunteer_save per
row, all or none. The export writes the same columns, so an exported file imports again.

Consent is stated per row: a participant's row needs the consent scope and date columns (recorded
as a consent event, as at intake); a volunteer's row says the privacy notice was explained.

The uploaded file is kept in the session between preview and confirm (at most MAX_BYTES) and read
again on confirm, so what is saved is validated at that moment, against the rows then in the
database; a digest in the confirm form makes sure it is the file the coordinator saw.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from buddynet import spreadsheet as ss
from buddynet import vocabulary as v
from buddynet.errors import ServiceError
from buddynet.records.accounts.types import Actor
from buddynet.records.people import services as people_services
from buddynet.records.people.models import Participant, Person, Project
from buddynet.records.people.selectors import participants_for_user, volunteers_for_user
from buddynet.security.audit import log_participant_read
from buddynet.web import coordinator_forms as cf
from buddynet.web.coordinator.views import _base_context, _me, _project, coordinator_required, intake_data

MAX_BYTES = 2 * 1024 * 1024
KINDS = ("participant", "volunteer")


class CellError(ValueError):
    """A cell whose text cannot become the field's value; the message is for the coordinator."""


# --- columns --------------------------------------------------------------------------------
def _norm(text: Any) -> str:
    return " ".join(str(text).casefold().replace("_", " ").split())


def _labels(code: str, label: Any) -> set[str]:
    """The words a cell may use for one choice: the code, the Dutch and the English label."""
    with translation.override("en"):
        english = str(label)
    return {_norm(code), _norm(label), _norm(english)}


def _choice(choices: Iterable[tuple[str, Any]], what: Any) -> Callable[[Any], str]:
    pairs = list(choices)

    def convert(value: Any) -> str:
        text = _norm(value)
        for code, label in pairs:
            if text in _labels(code, label):
                return code
        raise CellError(_("Not known as %(what)s: %(value)s. Choose from: %(choices)s.") % {
            "what": what, "value": value, "choices": ", ".join(str(label) for _code, label in pairs)})

    return convert


def _slot_pairs() -> list[tuple[str, Any]]:
    return [(f"{d}_{p}", format_lazy("{} {}", cf.DAY_LABELS[d], cf.PART_LABELS[p]))
            for d in v.DAYS for p in v.DAY_PARTS]


def _many(pairs_of: Callable[[], list[tuple[str, Any]]], what: Any) -> Callable[[Any], list[str]]:
    def convert(value: Any) -> list[str]:
        pairs = pairs_of()
        codes, unknown = [], []
        for token in re.split(r"[,;|\n]+", str(value)):
            text = _norm(token)
            if not text:
                continue
            code = next((c for c, label in pairs if text in _labels(c, label)), None)
            if code is None:
                unknown.append(token.strip())
            elif code not in codes:
                codes.append(code)
        if unknown:
            raise CellError(_("Unknown %(what)s: %(values)s.") % {"what": what, "values": ", ".join(unknown)})
        return codes

    return convert


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _integer(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("Not a valid date: %(value)s. Write it as dd/mm/yyyy, e.g. 31/01/2025.") % {"value": text})


YES = {"ja", "j", "yes", "y", "x", "1", "waar", "true", "ok"}
NO = {"nee", "n", "no", "0", "onwaar", "false"}


def _yes_no(value: Any) -> bool:
    text = _norm(_integer(value))
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(_("Write “ja” or “nee”, not %(value)s.") % {"value": text})


def _level(value: Any) -> int:
    text = _integer(value)
    if text in {"0", "1", "2", "3"}:
        return int(text)
    try:
        return int(_choice([(str(n), label) for n, label in cf.LEVEL_CHOICES], "")(value))
    except CellError:
        raise CellError(_("A level is 0, 1, 2 or 3, not %(value)s.") % {"value": text}) from None


@dataclass(frozen=True)
class ImportColumn:
    key: str  # the intake form's field name
    header: Any
    step: str
    convert: Callable[[Any], Any] = _text
    export: Callable[[Any], Any] | None = None  # record value → cell; None: the value itself

    def names(self) -> set[str]:
        return {_norm(self.key), *_labels(self.key, self.header)}


def _label_of(choices: Iterable[tuple[str, Any]]) -> Callable[[Any], Any]:
    table = dict(choices)
    return lambda value: str(table.get(value, value or "")) or None


def _labels_of(pairs_of: Callable[[], list[tuple[str, Any]]]) -> Callable[[Any], Any]:
    def export(values: Any) -> str:
        table = dict(pairs_of())
        return ", ".join(str(table.get(x, x)) for x in values or [])

    return export


def _yes_no_out(value: Any) -> str:
    return str(_("yes")) if value else str(_("no"))


def _person_columns(kind: str) -> list[ImportColumn]:
    columns = [
        ImportColumn("first_name", gettext_lazy("First name"), "person"),
        ImportColumn("last_name", gettext_lazy("Last name"), "person"),
        ImportColumn("birth_year", gettext_lazy("Year of birth"), "person", _integer),
        ImportColumn("gender", gettext_lazy("Gender"), "person", _choice(v.Gender.choices, gettext_lazy("gender")),
                     _label_of(v.Gender.choices)),
        ImportColumn("email", gettext_lazy("Email address"), "person"),
        ImportColumn("phone", gettext_lazy("Phone"), "person"),
        ImportColumn("postcode", gettext_lazy("Postcode"), "person", _integer),
        ImportColumn("mobility", gettext_lazy("Mobility"), "person",
                     _choice(v.Mobility.choices, gettext_lazy("way of getting around")),
                     _label_of(v.Mobility.choices)),
    ]
    if kind == "participant":
        columns.append(ImportColumn("referred_by", gettext_lazy("Referred by"), "person"))
    columns += [
        ImportColumn("languages", gettext_lazy("Languages"), "daily",
                     _many(lambda: list(v.LANGUAGES.items()), gettext_lazy("language")),
                     _labels_of(lambda: list(v.LANGUAGES.items()))),
        ImportColumn("availability", gettext_lazy("Availability"), "daily",
                     _many(_slot_pairs, gettext_lazy("time slot")), _labels_of(_slot_pairs)),
        ImportColumn("interests", gettext_lazy("Interests"), "daily",
                     _many(lambda: list(v.Interest.choices), gettext_lazy("interest")),
                     _labels_of(lambda: list(v.Interest.choices))),
    ]
    if kind == "participant":
        columns.append(ImportColumn("interpreter_arranged", gettext_lazy("Interpreter arranged"), "daily", _yes_no,
                                    _yes_no_out))
    step, word = ("needs", gettext_lazy("Need")) if kind == "participant" else ("strengths", gettext_lazy("Strength"))
    columns += [
        ImportColumn(f"domain_{code}", format_lazy("{}: {}", word, label), step, _level)
        for code, label in v.LifeDomain.choices
    ]
    if kind == "volunteer":
        columns += [
            ImportColumn("capacity", gettext_lazy("Number of duos at a time"), step, _integer),
            ImportColumn("max_travel_km", gettext_lazy("Maximum travel distance (km)"), step, _integer),
        ]
    columns += [
        ImportColumn("gender_preference", gettext_lazy("Preferred gender of the other person"), step,
                     _choice(v.GenderPreference.choices, gettext_lazy("preference")),
                     _label_of(v.GenderPreference.choices)),
        ImportColumn("preferred_age_min", gettext_lazy("Preferred age from"), step, _integer),
        ImportColumn("preferred_age_max", gettext_lazy("Preferred age up to"), step, _integer),
        ImportColumn("notes", gettext_lazy("Notes"), step),
    ]
    if kind == "participant":
        columns += [
            ImportColumn("consent_scope", gettext_lazy("Consent"), "consent",
                         _choice(Participant.ConsentScope.choices, gettext_lazy("scope of consent")),
                         _label_of(Participant.ConsentScope.choices)),
            ImportColumn("consent_date", gettext_lazy("Consent given on"), "consent", _date),
        ]
    else:
        columns += [
            ImportColumn("intake_date", gettext_lazy("Intake interview on"), "screening", _date),
            ImportColumn("criminal_record_checked_on", gettext_lazy("Criminal record extract checked on"),
                         "screening", _date),
            ImportColumn("training_date", gettext_lazy("Basic training completed on"), "screening", _date),
            ImportColumn("privacy_explained", gettext_lazy("Privacy notice explained"), "screening", _yes_no,
                         _yes_no_out),
            ImportColumn("agreement_signed_on", gettext_lazy("Volunteer agreement signed on"), "screening", _date),
        ]
    return columns


STEPS: dict[str, list[tuple[str, type[forms.Form]]]] = {
    "participant": [("person", cf.ParticipantPersonStep), ("daily", cf.ParticipantDailyLifeStep),
                    ("needs", cf.NeedsStep), ("consent", cf.ConsentStep)],
    "volunteer": [("person", cf.PersonStep), ("daily", cf.DailyLifeStep), ("strengths", cf.StrengthsStep),
                  ("screening", cf.ScreeningStep)],
}
# Messages of the intake's checkboxes, said the way a spreadsheet is filled in.
CHECKBOX_MESSAGES = {
    "privacy_explained": gettext_lazy("Write “ja” once the privacy notice was explained to this volunteer."),
}


# --- reading and checking -------------------------------------------------------------------
@dataclass
class PreviewRow:
    number: int  # as the spreadsheet shows it (the header is row 1)
    cells: list[tuple[ImportColumn, str, list[str]]]  # column, the text shown, its errors
    errors: list[str] = field(default_factory=list)  # about the row as a whole
    data: dict[str, Any] | None = None  # what will be saved, when the row is good

    @property
    def ok(self) -> bool:
        return self.data is not None

    @property
    def name(self) -> str:
        shown = {c.key: text for c, text, _errors in self.cells}
        return f"{shown.get('first_name', '')} {shown.get('last_name', '')}".strip()

    @property
    def cell_errors(self) -> list[tuple[Any, str]]:
        """(column header, message) of every wrong cell, for the summary at the start of the row."""
        return [(c.header, e) for c, _t, errors in self.cells for e in errors]


@dataclass
class Preview:
    kind: str
    columns: list[ImportColumn]
    rows: list[PreviewRow]
    file_errors: list[str] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)

    @property
    def good(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.ok]

    @property
    def bad(self) -> list[PreviewRow]:
        return [r for r in self.rows if not r.ok]


def _shown(cell: ss.ReadCell) -> str:
    if cell.value is None:
        return ""
    if isinstance(cell.value, datetime | date):
        return cell.value.strftime("%d/%m/%Y")
    return _text(cell.value)


def _key(first: Any, last: Any, postcode: Any) -> tuple[str, str, str]:
    return (_norm(first), _norm(last), _norm(postcode))


def _existing_keys(user: Actor, project: Project, kind: str) -> set[tuple[str, str, str]]:
    qs = (participants_for_user if kind == "participant" else volunteers_for_user)(user=user)
    return {_key(*row) for row in qs.filter(project=project).values_list("first_name", "last_name", "postcode")}


def check_rows(
    *, kind: str, project: Project, table: list[list[ss.ReadCell]],
    existing: set[tuple[str, str, str]] | None = None,
) -> Preview:
    """Every row of the table checked as an intake: what it would save, or its errors per cell.

    Pure apart from the intake forms' own lookups (postcodes); `existing` are the people already
    in the project (first name, last name, postcode), so a second import of the same file finds
    duplicates instead of creating them twice.
    """
    columns = _person_columns(kind)
    preview = Preview(kind=kind, columns=columns, rows=[])
    if not table:
        preview.file_errors.append(_("The file is empty."))
        return preview
    header, *body = table
    position: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = _norm(_shown(cell))
        if not text:
            continue
        column = next((c for c in columns if text in c.names()), None)
        if column is None:
            preview.unknown_headers.append(_shown(cell))
        elif column.key not in position:
            position[column.key] = i
    missing = [str(c.header) for c in columns if c.key in REQUIRED_COLUMNS[kind] and c.key not in position]
    if missing:
        preview.file_errors.append(_("These columns are missing: %(names)s.") % {"names": ", ".join(missing)})
        return preview
    if not body:
        preview.file_errors.append(_("The file has a header row but no people."))
        return preview
    seen: dict[tuple[str, str, str], int] = {}
    existing = existing or set()
    for offset, raw in enumerate(body):
        number = offset + 2
        cells: list[tuple[ImportColumn, str, list[str]]] = []
        values: dict[str, Any] = {}
        for column in columns:
            at = position.get(column.key)
            cell = raw[at] if at is not None and at < len(raw) else ss.ReadCell(None)
            errors: list[str] = []
            if cell.formula:
                errors.append(_("This cell holds a formula; type the value itself."))
            elif cell.value is not None:
                try:
                    values[column.key] = column.convert(cell.value)
                except CellError as exc:
                    errors.append(str(exc))
            cells.append((column, _shown(cell), errors))
        row = PreviewRow(number=number, cells=cells)
        _validate(kind, project, row, values)
        key = _key(values.get("first_name", ""), values.get("last_name", ""), values.get("postcode", ""))
        if key[0] and key[1]:
            first_cell_errors = cells[0][2]
            if key in seen:
                first_cell_errors.append(_("The same person as row %(row)d (name and postcode).") % {"row": seen[key]})
                row.data = None
            elif key in existing:
                first_cell_errors.append(_("Already in this project (same name and postcode)."))
                row.data = None
            seen.setdefault(key, number)
        preview.rows.append(row)
    return preview


REQUIRED_COLUMNS = {
    "participant": {"first_name", "last_name", "postcode", "languages", "availability", "consent_scope",
                    "consent_date"},
    "volunteer": {"first_name", "last_name", "postcode", "languages", "availability", "privacy_explained"},
}


def _validate(kind: str, project: Project, row: PreviewRow, values: dict[str, Any]) -> None:
    """Run the intake step forms on the row; their errors go to the cell of their field."""
    by_key = {c.key: errors for c, _text_, errors in row.cells}
    converted_ok = not any(by_key.values())
    cleaned: list[dict[str, Any]] = []
    for step, form_class in STEPS[kind]:
        data = {c.key: values[c.key] for c, _t, _e in row.cells if c.step == step and c.key in values}
        if step == "consent":
            # The consent columns state the consent of this row; the intake's tick box that says
            # it was explained is the row itself (the import page says so before confirming).
            data["explained"] = True
        if step in ("needs", "strengths"):
            for code in v.LIFE_DOMAINS:
                data.setdefault(f"domain_{code}", 0)
        if step == "person" and "mobility" not in data:
            data["mobility"] = v.Mobility.PUBLIC_TRANSPORT
        if step == "strengths" and "capacity" not in data:
            data["capacity"] = 1
        if "gender_preference" in form_class.base_fields and "gender_preference" not in data:
            data["gender_preference"] = v.GenderPreference.ANY
        form = form_class(data=data)
        if form.is_valid():
            cleaned.append(form.cleaned_data)
            continue
        step_cells_bad = any(errors for c, _t, errors in row.cells if c.step == step)
        for name, form_errors in form.errors.items():
            target = by_key.get(name)
            if target is None and step_cells_bad:
                continue  # e.g. "no need at all" because the level cell could not be read: that cell says so
            said = [str(CHECKBOX_MESSAGES[name])] if name in CHECKBOX_MESSAGES else [str(e) for e in form_errors]
            if target is None:
                row.errors.extend(said)
            elif not target:  # a cell that could not be read says so once
                target.extend(said)
        converted_ok = False
    if converted_ok and not row.errors:
        row.data = intake_data(kind, project, cleaned)


# --- the pages ------------------------------------------------------------------------------
class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"),
        help_text=gettext_lazy("The first row holds the column names; one person per row after it."),
        error_messages={"required": gettext_lazy("Choose a file.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv,"
                                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB: split it into several files."))
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Choose a CSV or XLSX file."))
        return upload


def _session_key(kind: str, project: Project) -> str:
    return f"bulk_import_{kind}_{project.pk}"


def _read(data: bytes, name: str) -> list[list[ss.ReadCell]] | str:
    try:
        return ss.read_table(data, name)
    except ss.UnreadableFile as exc:
        if str(exc) == "size":
            return _("The file has more than %(n)d rows: split it into several files.") % {"n": ss.MAX_IMPORT_ROWS}
        return _("This file cannot be read as CSV or XLSX.")


def _preview(request: HttpRequest, kind: str, project: Project, data: bytes, name: str) -> Preview:
    table = _read(data, name)
    if isinstance(table, str):
        preview = Preview(kind=kind, columns=_person_columns(kind), rows=[])
        preview.file_errors.append(table)
        return preview
    return check_rows(kind=kind, project=project, table=table,
                      existing=_existing_keys(request.user, project, kind))


def _import_page(kind: str) -> Callable[..., HttpResponse]:
    list_url = f"web:coordinator-{kind}s"

    @coordinator_required
    def view(request: HttpRequest, project_id: int) -> HttpResponse:
        project = _project(request, project_id)
        context = _base_context(request, project, f"{kind}s")
        context.update(kind=kind, columns=_person_columns(kind), required=REQUIRED_COLUMNS[kind],
                       max_rows=ss.MAX_IMPORT_ROWS)
        key = _session_key(kind, project)
        form = UploadForm()
        if request.method == "POST" and request.POST.get("confirm"):
            stored = request.session.get(key)
            if not stored or stored.get("digest") != request.POST.get("digest"):
                messages.error(request, _("The preview has expired: upload the file again."))
                return redirect(f"web:coordinator-{kind}-import", project_id=project.pk)
            data = base64.b64decode(stored["data"])
            preview = _preview(request, kind, project, data, stored["name"])
            good = preview.good
            if preview.file_errors or not good:
                context.update(form=form, preview=preview, digest=stored["digest"], filename=stored["name"])
                return render(request, "web/coordinator/import.html", context, status=400)
            try:
                saved = people_services.people_import(
                    project=project, kind=kind, rows=[(r.number, r.data or {}) for r in good], by=_me(request))
            except people_services.RowRefused as exc:
                context.update(form=form, preview=preview, digest=stored["digest"], filename=stored["name"],
                               refused=_("Nothing was imported: row %(row)d was refused: %(reason)s") % {
                                   "row": exc.row, "reason": " ".join(_messages(exc.error))})
                return render(request, "web/coordinator/import.html", context, status=400)
            except ServiceError as exc:
                context.update(form=form, refused=" ".join(_messages(exc)))
                return render(request, "web/coordinator/import.html", context, status=400)
            del request.session[key]
            messages.success(request, (
                _("%(n)d participants imported.") if kind == "participant" else _("%(n)d volunteers imported.")
            ) % {"n": len(saved)})
            return redirect(list_url, project_id=project.pk)
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                data = upload.read()
                preview = _preview(request, kind, project, data, upload.name)
                digest = hashlib.sha256(data).hexdigest()
                request.session[key] = {"data": base64.b64encode(data).decode("ascii"), "name": upload.name,
                                        "digest": digest}
                context.update(form=form, preview=preview, digest=digest, filename=upload.name)
                return render(request, "web/coordinator/import.html", context)
            context["form"] = form
            return render(request, "web/coordinator/import.html", context, status=400)
        context["form"] = form
        return render(request, "web/coordinator/import.html", context)

    return view


def _messages(error: ServiceError) -> list[str]:
    message = error.message
    if isinstance(message, dict):
        out: list[str] = []
        for value in message.values():
            out.extend(str(m) for m in (value if isinstance(value, list) else [value]))
        return out
    return [str(message)]


participant_import = _import_page("participant")
volunteer_import = _import_page("volunteer")


# --- export -----------------------------------------------------------------------------
def export_rows(kind: str, people: Iterable[Person]) -> tuple[list[ImportColumn], list[Sequence[Any]]]:
    """The people as rows of the import's own columns (so the file imports again)."""
    columns = _person_columns(kind)
    rows: list[Sequence[Any]] = []
    for person in people:
        levels = getattr(person, "needs" if kind == "participant" else "strengths", {}) or {}
        row: list[Any] = []
        for column in columns:
            if column.key.startswith("domain_"):
                row.append(int(levels.get(column.key.removeprefix("domain_"), 0)))
            elif column.key == "privacy_explained":
                row.append(_yes_no_out(getattr(person, "privacy_informed_on", None)))
            else:
                value = getattr(person, column.key, None)
                row.append(column.export(value) if column.export else (value if value != "" else None))
        rows.append(row)
    return columns, rows


def _export_page(kind: str) -> Callable[..., HttpResponse]:
    @coordinator_required
    def view(request: HttpRequest, project_id: int) -> HttpResponse:
        project = _project(request, project_id)
        qs = (participants_for_user if kind == "participant" else volunteers_for_user)(user=request.user)
        people = [] if request.GET.get("template") else list(qs.filter(project=project).order_by("last_name", "pk"))
        columns, rows = export_rows(kind, people)
        if kind == "participant":
            # A list of participants leaving buddynet is a read of each record: in their access log.
            for person in people:
                log_participant_read(request, person.pk, "web:coordinator-participant-export")
        header = [str(c.header) for c in columns]
        title = str(_("Participants") if kind == "participant" else _("Volunteers"))
        stem = f"{title.lower()}-{project.pk}-{timezone.localdate().isoformat()}"
        if request.GET.get("format") == "csv":
            response = HttpResponse(ss.csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
            filename = f"{stem}.csv"
        else:
            sheet = ss.Sheet(title=title, columns=[ss.Column(h, width=max(12, min(40, len(h) + 2))) for h in header],
                             rows=rows)
            response = HttpResponse(
                ss.xlsx_bytes([sheet]),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            filename = f"{stem}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response

    return view


participant_export = _export_page("participant")
volunteer_export = _export_page("volunteer")
