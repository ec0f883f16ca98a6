"""Forms of the volunteer's phone pages: the check-in, the next meeting, a day volunteered.

Validation happens here (field messages in the request's language); the duos services then
store the change atomically and re-check what depends on other rows.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from buddynet.errors import ServiceError
from buddynet.records.duos.models import Activity, CheckIn, CheckInMode
from buddynet.validators import plausible_date
from buddynet.vocabulary import NEW_CONTACT_CATEGORIES, LifeDomain

# Most contact moments last about this long; one tap instead of typing minutes.
DURATION_PRESETS: list[tuple[str, Any]] = [
    ("15", _("15 min")), ("30", _("30 min")), ("45", _("45 min")), ("60", _("1 hour")),
    ("90", _("1½ hours")), ("120", _("2 hours")), ("180", _("3 hours")),
]

MOODS: list[tuple[str, Any]] = [
    ("1", _("Very bad")), ("2", _("Bad")), ("3", _("Okay")), ("4", _("Good")), ("5", _("Very good")),
]

# The categories of a network tie, without "buddy" (the buddy is the volunteer themselves).
CONTACT_CATEGORIES: list[tuple[str, Any]] = NEW_CONTACT_CATEGORIES


def contacts_shown(new_contacts: list[Any] | None) -> list[dict[str, Any]]:
    """A check-in's new contacts ("we met someone new") as people read them: the label, and the
    category and life domain in the reader's language (the stored code when it has no label)."""
    categories, domains = dict(CONTACT_CATEGORIES), dict(LifeDomain.choices)
    return [
        {"label": contact.get("label", ""),
         "category": categories.get(contact.get("category"), contact.get("category", "")),
         "life_domain": domains.get(contact.get("life_domain"), contact.get("life_domain", ""))}
        for contact in (new_contacts or []) if isinstance(contact, dict)
    ]



def duration_message() -> str:
    # Formatted per request, so the message is in the caller's language.
    return gettext("The duration must be between 1 and %(max)d minutes.") % {"max": CheckIn.MAX_DURATION_MINUTES}


class DuoIdField(forms.ModelChoiceField):
    """The duo of a new check-in: shown as the volunteer's duos (a queryset, see
    CheckInForm.show_duos), cleaned to the id alone. Whether the id is one of the volunteer's
    loggable duos is decided by check_in_record's INSERT, which refuses it with DuoOutOfReach;
    a look-up here would cost every check-in a query for the rare wrong id."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return int(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


class CheckInForm(forms.Form):
    """One contact moment. The common case is: duration, a chip, a face, save."""

    duo = DuoIdField(
        queryset=None, widget=forms.RadioSelect, label=_("With whom?"),
        error_messages={
            "required": _("Choose the buddy you had contact with."),
            "invalid_choice": _("Choose the buddy you had contact with."),
        },
    )
    client_uuid = forms.UUIDField(required=False, widget=forms.HiddenInput)
    date = forms.DateField(
        label=_("When?"), widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Fill in the date."), "invalid": _("Fill in a valid date.")},
        validators=[plausible_date]
    )
    duration = forms.ChoiceField(choices=DURATION_PRESETS, required=False, widget=forms.RadioSelect,
                                 label=_("How long?"))
    duration_other = forms.IntegerField(
        required=False, label=_("Or the number of minutes"),
        error_messages={"invalid": _("Fill in a whole number of minutes.")},
    )
    mode = forms.ChoiceField(choices=CheckInMode.choices, widget=forms.RadioSelect, label=_("How?"),
                             error_messages={"required": _("Choose how you had contact.")})
    activities = forms.MultipleChoiceField(choices=Activity.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple, label=_("What did you do?"))
    life_domains = forms.MultipleChoiceField(choices=LifeDomain.choices, required=False,
                                             widget=forms.CheckboxSelectMultiple, label=_("What was it about?"))
    mood = forms.ChoiceField(choices=MOODS, required=False, widget=forms.RadioSelect, label=_("How did it go?"))
    note = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                           label=_("Note (optional)"))
    concern = forms.BooleanField(required=False, label=_("I'm worried"))
    concern_note = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                                   label=_("What worries you? Only the coordinator reads this."))
    new_contact_label = forms.CharField(required=False, max_length=60, label=_("Who? (a first name or a role)"))
    new_contact_category = forms.ChoiceField(choices=[("", "—"), *CONTACT_CATEGORIES], required=False,
                                             label=_("What kind of contact?"))
    new_contact_life_domain = forms.ChoiceField(choices=[("", "—"), *LifeDomain.choices], required=False,
                                                label=_("Which life domain?"))
    # "We met a barrier": one chip row of the barrier types (the page renders the active ones of
    # the taxonomy; the signals feature refuses a code that is not one of them).
    barrier_type = forms.CharField(required=False, max_length=40, label=_("What kind of barrier?"))
    barrier_life_domain = forms.ChoiceField(choices=[("", "—"), *LifeDomain.choices], required=False,
                                            label=_("In which life domain?"))
    barrier_note = forms.CharField(required=False, max_length=300, label=_("Briefly, without names (optional)"))

    def __init__(self, *args: Any, duos: QuerySet[Any] | None = None, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            # The duo and the client UUID never change; new contacts were handed to the
            # network map when the check-in was stored, so they are not edited here.
            for name in ("duo", "client_uuid", "new_contact_label", "new_contact_category",
                         "new_contact_life_domain", "barrier_type", "barrier_life_domain", "barrier_note"):
                del self.fields[name]
        else:
            # The form's own copy of the duo field, the one field it changes (show_duos): the
            # others are shared by all check-in forms (see _SharedFields below).
            self.fields["duo"] = copy.deepcopy(self.fields["duo"])
            if duos is not None:
                self.show_duos(duos)

    def show_duos(self, duos: QuerySet[Any]) -> None:
        """The duos the page offers (the volunteer's loggable ones), by the buddy's first name."""
        field = self.fields["duo"]
        field.queryset = duos
        field.label_from_instance = lambda duo: duo.participant.first_name

    def clean_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        other, preset = cleaned.get("duration_other"), cleaned.get("duration")
        if "duration_other" not in self.errors:
            minutes = other if other is not None else (int(preset) if preset else None)
            if minutes is None:
                self.add_error("duration", _("Choose how long the contact lasted."))
            elif not 1 <= minutes <= CheckIn.MAX_DURATION_MINUTES:
                self.add_error("duration_other" if other is not None else "duration", duration_message())
            else:
                cleaned["duration_minutes"] = minutes
        if cleaned.get("concern") and not (cleaned.get("concern_note") or "").strip():
            self.add_error("concern_note", _("Tell the coordinator briefly what you are worried about."))
        if not self.editing:
            label = (cleaned.get("new_contact_label") or "").strip()
            category, domain = cleaned.get("new_contact_category"), cleaned.get("new_contact_life_domain")
            if label or category or domain:
                if not label:
                    self.add_error("new_contact_label", _("Fill in who you met."))
                if not category:
                    self.add_error("new_contact_category", _("Choose what kind of contact it is."))
                if not domain:
                    self.add_error("new_contact_life_domain", _("Choose a life domain."))
            if (cleaned.get("barrier_type") or (cleaned.get("barrier_note") or "").strip()) and not (
                    cleaned.get("barrier_life_domain") or cleaned.get("life_domains")):
                self.add_error("barrier_life_domain", _("Choose a life domain."))
            elif (cleaned.get("barrier_note") or "").strip() and not cleaned.get("barrier_type"):
                self.add_error("barrier_type", _("Choose the kind of barrier."))
        return cleaned

    def barrier(self) -> dict[str, Any] | None:
        """The barrier met ("we met a barrier"), as the signals feature takes it, or None. Its life
        domain is the one chosen, else the first the check-in was about."""
        c = self.cleaned_data
        if self.editing or not c.get("barrier_type"):
            return None
        domains = sorted(set(c.get("life_domains") or []))
        return {"barrier_type": c["barrier_type"],
                "life_domain": c.get("barrier_life_domain") or (domains[0] if domains else ""),
                "description": (c.get("barrier_note") or "").strip()}

    def check_in_data(self) -> dict[str, Any]:
        """The CheckIn fields, as check_in_record and check_in_update take them."""
        c = self.cleaned_data
        data: dict[str, Any] = {
            "date": c["date"], "duration_minutes": c["duration_minutes"], "mode": c["mode"],
            "activities": sorted(set(c["activities"])), "life_domains": sorted(set(c["life_domains"])),
            "mood": int(c["mood"]) if c.get("mood") else None, "note": c["note"].strip(),
            "concern": c["concern"], "concern_note": c["concern_note"].strip() if c["concern"] else "",
        }
        if not self.editing:
            label = (c.get("new_contact_label") or "").strip()
            data["new_contacts"] = (
                [{"label": label, "category": c["new_contact_category"],
                  "life_domain": c["new_contact_life_domain"]}] if label else []
            )
        return data

    def add_service_error(self, exc: ServiceError) -> None:
        """A refusal of the service (the date before the duo started, a reused UUID, ...)."""
        message = exc.message
        if isinstance(message, dict):
            for name, text in message.items():
                # netwerk refuses a new contact under the API's field name.
                name = "new_contact_label" if name == "new_contacts" else name
                # The signals feature refuses a barrier under its own field names.
                name = {"life_domain": "barrier_life_domain", "description": "barrier_note"}.get(name, name)
                self.add_error(name if name in self.fields else None, text)
        else:
            self.add_error(None, message)

    @classmethod
    def initial_for(cls, check_in: CheckIn) -> dict[str, Any]:
        preset = str(check_in.duration_minutes)
        in_presets = preset in {value for value, _label in DURATION_PRESETS}
        return {
            "date": check_in.date, "duration": preset if in_presets else "",
            "duration_other": None if in_presets else check_in.duration_minutes, "mode": check_in.mode,
            "activities": check_in.activities, "life_domains": check_in.life_domains,
            "mood": str(check_in.mood) if check_in.mood else "", "note": check_in.note,
            "concern": check_in.concern, "concern_note": check_in.concern_note,
        }


class _SharedFields(dict):  # type: ignore[type-arg]
    """CheckInForm's fields, shared by its forms instead of deep-copied for each one.

    Django deep-copies a form class's fields for every form it builds, so that one form may
    change its fields without touching another's. For the check-in, the busiest form of the
    project (every contact a volunteer logs, benchmarks/checkin_api.py), that copy of fifteen
    fields with their widgets and choice lists was a tenth of the request's CPU. Validating and
    rendering only read a field; the one change this form makes, the duos offered
    (show_duos), goes to a copy of the duo field each new-check-in form makes for itself.
    Leaving out fields when editing changes only the form's own dict, which stays a copy.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return dict(self)


CheckInForm.base_fields = _SharedFields(CheckInForm.base_fields)


class MeetingForm(forms.Form):
    on = forms.DateField(required=False, label=_("Next meeting"), widget=forms.DateInput(attrs={"type": "date"}),
                         error_messages={"invalid": _("Fill in a valid date.")}, validators=[plausible_date])

    def clean_on(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("The next meeting cannot be in the past."))
        return day


class DayForm(forms.Form):
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": _("Fill in the date."), "invalid": _("Fill in a valid date.")},
                           validators=[plausible_date])

    def clean_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("You cannot mark a day in the future."))
        return day


class MagicLinkForm(forms.Form):
    email = forms.EmailField(label=_("Email address"),
                             error_messages={"required": _("Fill in your email address."),
                                             "invalid": _("Fill in a valid email address.")})
