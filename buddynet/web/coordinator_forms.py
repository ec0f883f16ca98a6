"""Forms of the coordinator pages: intake steps, duo lifecycle, concern follow-up, list filters.

Forms only validate what a person typed (Dutch messages through gettext); the services in
buddynet/records/people/services.py and buddynet/records/duos/services.py make the change and re-check what
depends on other rows. The intake steps reuse the validators the API uses (people/fields.py),
so a code the API refuses is refused here too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from buddynet import vocabulary as v
from buddynet.records.duos.models import Activity, CheckIn, CheckInMode, ClosureReason, Duo, DuoStatus, Goal, NextStep
from buddynet.records.people import fields as people_fields
from buddynet.records.people import postcodes
from buddynet.records.people.models import ConsentEvent, NeedsMeasurement, Participant, Volunteer
from buddynet.validators import plausible_date
from buddynet.web.volunteer_forms import duration_message

LEVEL_CHOICES = [
    (0, _("none")),
    (1, _("a little")),
    (2, _("clearly")),
    (3, _("a lot")),
]
DAY_LABELS: dict[str, Any] = {
    "mon": _("Monday"), "tue": _("Tuesday"), "wed": _("Wednesday"), "thu": _("Thursday"),
    "fri": _("Friday"), "sat": _("Saturday"), "sun": _("Sunday"),
}
PART_LABELS: dict[str, Any] = {"morning": _("morning"), "afternoon": _("afternoon"), "evening": _("evening")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _not_in_future(day: date | None) -> date | None:
    if day is not None and day > timezone.localdate():
        raise ValidationError(_("This date is in the future."))
    return day


class AvailabilityGrid(forms.CheckboxSelectMultiple):
    """The weekly availability as a table: days down, parts of the day across."""

    template_name = "web/coordinator/widgets/availability_grid.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = set(value or [])
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"]["parts"] = [PART_LABELS[p] for p in v.DAY_PARTS]
        context["widget"]["rows"] = [
            {
                "day": DAY_LABELS[d],
                "cells": [
                    {
                        "value": f"{d}_{p}", "id": f"{base_id}_{d}_{p}", "checked": f"{d}_{p}" in chosen,
                        "label": f"{DAY_LABELS[d]} {PART_LABELS[p]}",
                    }
                    for p in v.DAY_PARTS
                ],
            }
            for d in v.DAYS
        ]
        return context


# --- intake steps shared by participants and volunteers ------------------------------------
class PersonStep(forms.Form):
    title = _("Who")

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False, min_value=1900)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", _("(not given)")), *v.Gender.choices],
                               required=False)
    email = forms.EmailField(label=_("Email address"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    postcode = forms.CharField(
        label=_("Postcode"), max_length=4, min_length=4,
        help_text=_("Four digits; the municipality is looked up for you."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    mobility = forms.ChoiceField(label=_("How do they get around?"), choices=v.Mobility.choices,
                                 initial=v.Mobility.PUBLIC_TRANSPORT)

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year is not None and year > timezone.localdate().year:
            raise ValidationError(_("The year of birth is in the future."))
        return year

    def clean_postcode(self) -> str:
        code = self.cleaned_data["postcode"].strip()
        place = postcodes.lookup(code)
        if place is None:
            raise ValidationError(_("Unknown Belgian postcode: %(code)s.") % {"code": code})
        self.place = place
        return place.postcode


class ParticipantPersonStep(PersonStep):
    referred_by = forms.CharField(label=_("Referred by"), max_length=200, required=False,
                                  help_text=_("The service that referred this person, if any."))


class DailyLifeStep(forms.Form):
    title = _("Languages, time and interests")

    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=list(v.LANGUAGES.items()), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one language.")},
    )
    availability = forms.MultipleChoiceField(
        label=_("When are they free?"), choices=[(s, s) for s in v.AVAILABILITY_SLOTS], widget=AvailabilityGrid,
        error_messages={"required": _("Tick at least one part of the week.")},
    )
    interests = forms.MultipleChoiceField(
        label=_("Interests"), choices=v.Interest.choices, widget=forms.CheckboxSelectMultiple, required=False,
    )

    def clean_languages(self) -> list[str]:
        return people_fields.validate_languages(self.cleaned_data["languages"])

    def clean_availability(self) -> list[str]:
        return people_fields.validate_availability(self.cleaned_data["availability"])

    def clean_interests(self) -> list[str]:
        return people_fields.validate_interests(self.cleaned_data["interests"])


class ParticipantDailyLifeStep(DailyLifeStep):
    interpreter_arranged = forms.BooleanField(label=_("An interpreter is arranged"), required=False)


class DomainLevelsMixin:
    """One 0–3 select per life domain, gathered into {domain: level} in cleaned_data[target]."""

    target = "needs"

    def add_domain_fields(self, form: forms.Form, label: Any) -> None:
        for code, name in v.LifeDomain.choices:
            form.fields[f"domain_{code}"] = forms.TypedChoiceField(
                label=name, choices=LEVEL_CHOICES, coerce=int, initial=0, required=True,
            )
        self.domain_legend = label

    def domain_fields(self) -> list[Any]:
        form: Any = self
        return [form[f"domain_{code}"] for code in v.LIFE_DOMAINS]

    def gather_levels(self, cleaned: dict[str, Any]) -> dict[str, int]:
        levels = {code: cleaned.pop(f"domain_{code}", 0) for code in v.LIFE_DOMAINS}
        return people_fields.validate_domain_levels(levels)


class PreferencesMixin(forms.Form):
    gender_preference = forms.ChoiceField(
        label=_("Preferred gender of the other person"), choices=v.GenderPreference.choices,
        initial=v.GenderPreference.ANY,
    )
    preferred_age_min = forms.IntegerField(label=_("Preferred age from"), required=False, min_value=16,
                                           max_value=110)
    preferred_age_max = forms.IntegerField(label=_("Preferred age up to"), required=False, min_value=16,
                                           max_value=110)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("preferred_age_min"), cleaned.get("preferred_age_max")
        if low is not None and high is not None and low > high:
            self.add_error("preferred_age_max", _("The upper age is lower than the lower age."))
        return cleaned


class NeedsStep(DomainLevelsMixin, PreferencesMixin):
    title = _("Needs and preferences")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_domain_fields(self, _("How much support is needed per life domain?"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["needs"] = self.gather_levels(cleaned)
        if not cleaned["needs"]:
            raise ValidationError(_("Give at least one life domain where support is needed."))
        return cleaned


class ConsentStep(forms.Form):
    title = _("Consent")

    explained = forms.BooleanField(
        label=_("I explained what buddynet records, why, who sees it, how long it is kept, and that "
                "consent can be withdrawn at any time."),
        error_messages={"required": _("Without consent the intake cannot be completed: explain it first and "
                                      "tick this box.")},
    )
    consent_scope = forms.ChoiceField(
        label=_("What did the participant agree to?"), choices=Participant.ConsentScope.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the participant agreed to.")},
    )
    consent_date = forms.DateField(
        label=_("Consent given on"), widget=DateInput(),
        error_messages={"required": _("Give the date on which consent was given.")}, validators=[plausible_date]
    )

    def clean_consent_date(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("consent_date"))


class ConsentRecordForm(forms.Form):
    """One step in a participant's consent history (people/services.py consent_record)."""

    WITHDRAW = "withdraw"

    scope = forms.ChoiceField(
        label=_("What does the participant agree to from now on?"),
        choices=[*Participant.ConsentScope.choices, (WITHDRAW, _("Nothing any more: consent withdrawn"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the participant agrees to.")},
    )
    given_on = forms.DateField(
        label=_("Date"), widget=DateInput(), error_messages={"required": _("Give the date.")},
        validators=[plausible_date]
    )
    how = forms.ChoiceField(label=_("How"), choices=ConsentEvent.How.choices, initial=ConsentEvent.How.SIGNED_FORM)

    def clean_given_on(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("given_on"))

    def clean_scope(self) -> str:
        scope = self.cleaned_data["scope"]
        return "" if scope == self.WITHDRAW else scope


class StrengthsStep(DomainLevelsMixin, PreferencesMixin):
    title = _("Strengths and preferences")

    capacity = forms.IntegerField(label=_("Number of duos at a time"), min_value=1, max_value=5, initial=1)
    max_travel_km = forms.IntegerField(
        label=_("Maximum travel distance (km)"), required=False, min_value=1, max_value=200,
        help_text=_("Empty = the project's default."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_domain_fields(self, _("Where can this volunteer help, per life domain?"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["strengths"] = self.gather_levels(cleaned)
        return cleaned


class ScreeningStep(forms.Form):
    title = _("Screening")

    intake_date = forms.DateField(
        label=_("Intake interview on"), required=False, widget=DateInput(),
        validators=[plausible_date]
    )
    criminal_record_checked_on = forms.DateField(
        label=_("Criminal record extract (model 2) checked on"), required=False, widget=DateInput(),
        validators=[plausible_date]
    )
    training_date = forms.DateField(
        label=_("Basic training completed on"), required=False, widget=DateInput(),
        validators=[plausible_date]
    )
    # The volunteer's own privacy step (issue 16): what buddynet keeps about them, and the
    # volunteer agreement that Belgian law asks the organisation to give them in writing.
    privacy_explained = forms.BooleanField(
        label=_("I explained to the volunteer what buddynet records about them (contact details, screening "
                "dates, check-ins), why, who sees it and how long it is kept."),
        error_messages={"required": _("Explain the privacy notice to the volunteer first and tick this box.")},
    )
    agreement_signed_on = forms.DateField(
        label=_("Volunteer agreement signed on"), required=False, widget=DateInput(),
        help_text=_("The written agreement (organisation note) under the law on volunteering."),
        validators=[plausible_date]
    )

    def clean_agreement_signed_on(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("agreement_signed_on"))

    def clean_intake_date(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("intake_date"))

    def clean_criminal_record_checked_on(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("criminal_record_checked_on"))

    def clean_training_date(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("training_date"))


# --- duo lifecycle ------------------------------------------------------------------------
class IntroduceForm(forms.Form):
    introduced_on = forms.DateField(
        label=_("Date of the first meeting"), widget=DateInput(),
        validators=[plausible_date]
    )

    def clean_introduced_on(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("introduced_on"))


class ActivateForm(forms.Form):
    started_on = forms.DateField(label=_("Start date"), widget=DateInput(), validators=[plausible_date])

    def clean_started_on(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("started_on"))


class PauseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the pause"), max_length=200,
                             error_messages={"required": _("Say why the duo pauses.")})
    paused_on = forms.DateField(label=_("Paused since"), widget=DateInput(), validators=[plausible_date])

    def clean_paused_on(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("paused_on"))


class ResumeForm(forms.Form):
    """Resuming needs no input; the form exists so the page shows one confirmation button."""


# The 1-5 scale says what its ends mean, in the list itself and in the help text.
EVALUATION_CHOICES: list[tuple[Any, Any]] = [
    ("", _("(not asked)")),
    (1, format_lazy("1 – {}", _("very bad"))), (2, "2"), (3, "3"), (4, "4"), (5, format_lazy("5 – {}", _("very good"))),
]


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=[("", _("— choose —")), *ClosureReason.choices],
        error_messages={"required": _("Choose the reason for closing.")},
    )
    closed_on = forms.DateField(label=_("Closed on"), widget=DateInput(), validators=[plausible_date])
    evaluation_volunteer = forms.TypedChoiceField(
        label=_("How does the volunteer rate the duo? (1-5)"), coerce=int, required=False, empty_value=None,
        choices=EVALUATION_CHOICES, help_text=_("1 = very bad, 5 = very good."),
    )
    evaluation_participant = forms.TypedChoiceField(
        label=_("How does the participant rate the duo? (1-5)"), coerce=int, required=False, empty_value=None,
        choices=EVALUATION_CHOICES, help_text=_("1 = very bad, 5 = very good."),
    )
    next_step = forms.ChoiceField(
        label=_("What happens to the participant next?"), choices=NextStep.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happens to the participant next.")},
    )
    note = forms.CharField(label=_("Note on the closing"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, duo: Duo | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.duo = duo

    def clean_closed_on(self) -> date | None:
        day = _not_in_future(self.cleaned_data.get("closed_on"))
        if day is not None and self.duo is not None and day < self.duo.proposed_on:
            raise ValidationError(_("The closing cannot be before the proposal."))
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reason") == ClosureReason.OTHER and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("With reason 'Other', say what happened in the note."))
        return cleaned


class GoalForm(forms.Form):
    life_domain = forms.ChoiceField(
        label=_("Life domain"), choices=[("", _("— choose —")), *v.LifeDomain.choices],
        error_messages={"required": _("Choose the life domain of the goal.")},
    )
    description = forms.CharField(
        label=_("Goal"), max_length=300, help_text=_("Small and concrete, in the participant's words."),
        error_messages={"required": _("Describe the goal.")},
    )


class ParticipantStatusStep(forms.Form):
    """The participant's status as a coordinator sets it by hand: still in intake, waiting for a
    buddy, or dropped out. Matched and closed follow the duo lifecycle and are only shown."""

    title = _("Status in the project")
    # Not required: a body without it (an older form, a script) leaves the status as it is.
    status = forms.ChoiceField(label=_("Status"), choices=Participant.Status.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.initial.get("status")
        hand = {Participant.Status.INTAKE, Participant.Status.WAITING, Participant.Status.WITHDRAWN}
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, label) for code, label in Participant.Status.choices
                         if code in hand or code == current]


class VolunteerStatusStep(forms.Form):
    """Applicant, in screening, active, taking a break or stopped; volunteer_save checks that an
    active volunteer is screened and closes a stopped volunteer's account."""

    title = _("Status in the project")
    status = forms.ChoiceField(label=_("Status"), choices=Volunteer.Status.choices, required=False)


class GoalEditForm(GoalForm):
    status = forms.ChoiceField(label=_("Status"), choices=Goal.Status.choices)


class ConcernHandledForm(forms.Form):
    note = forms.CharField(
        label=_("What did you do?"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
        error_messages={"required": _("Write down briefly how the concern was followed up.")},
    )


class CheckInCorrectForm(forms.Form):
    """A coordinator's correction of a check-in: when, how long, how and how it went, and the
    note. The concern and the new contacts are not here: the concern is followed up on its own
    (concern_mark_handled) and new contacts were handed to the network map when it was stored.

    Only the input is checked here; check_in_update decides who may change the check-in and
    when, and refuses a date in the future (its message lands on the date field)."""

    date = forms.DateField(
        label=_("Date of the contact"), widget=DateInput(), validators=[plausible_date],
        error_messages={"required": _("Fill in the date."), "invalid": _("Fill in a valid date.")},
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": CheckIn.MAX_DURATION_MINUTES}),
        error_messages={"required": _("Fill in how many minutes the contact lasted."),
                        "invalid": _("Fill in a whole number of minutes.")},
    )
    mode = forms.ChoiceField(label=_("Type of contact"), choices=CheckInMode.choices, widget=forms.RadioSelect,
                             error_messages={"required": _("Choose how the contact took place.")})
    mood = forms.TypedChoiceField(
        label=_("How did it go?"), coerce=int, required=False, empty_value=None,
        choices=[("", _("(not filled in)")), *((n, format_lazy("{} – {}", n, word)) for n, word in (
            (1, _("Very bad")), (2, _("Bad")), (3, _("Okay")), (4, _("Good")), (5, _("Very good"))))],
    )
    activities = forms.MultipleChoiceField(label=_("What did they do?"), choices=Activity.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    life_domains = forms.MultipleChoiceField(label=_("What was it about?"), choices=v.LifeDomain.choices,
                                             required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_duration_minutes(self) -> int:
        minutes: int = self.cleaned_data["duration_minutes"]
        if not 1 <= minutes <= CheckIn.MAX_DURATION_MINUTES:
            raise ValidationError(duration_message())
        return minutes

    @classmethod
    def initial_for(cls, check_in: CheckIn) -> dict[str, Any]:
        return {"date": check_in.date, "duration_minutes": check_in.duration_minutes, "mode": check_in.mode,
                "mood": check_in.mood, "activities": check_in.activities, "life_domains": check_in.life_domains,
                "note": check_in.note}

    def check_in_data(self) -> dict[str, Any]:
        """The fields the coordinator changed, as check_in_update takes them (only those, as the
        back office passes its form's changed_data)."""
        c = self.cleaned_data
        data: dict[str, Any] = {}
        for name in self.changed_data:
            value = c[name]
            if name in ("activities", "life_domains"):
                value = sorted(set(value))
            elif name == "note":
                value = value.strip()
            data[name] = value
        return data


# --- list filters -------------------------------------------------------------------------
class ParticipantFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or municipality")}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), *Participant.Status.choices])
    domain = forms.ChoiceField(label=_("Need in life domain"), required=False,
                               choices=[("", _("All")), *v.LifeDomain.choices])


class DuoFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name")}))
    status = forms.ChoiceField(label=_("Status"), required=False, initial="open",
                               choices=[("open", _("Open")), *DuoStatus.choices, ("", _("All"))])


class VolunteerFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or municipality")}))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *Volunteer.Status.choices])
    screening = forms.ChoiceField(
        label=_("Screening"), required=False,
        choices=[("", _("All")), ("complete", _("Complete")), ("missing", _("Not complete"))],
    )
    room = forms.BooleanField(label=_("Only with room for a duo"), required=False)


class NeedsMeasurementForm(DomainLevelsMixin, forms.Form):
    """A dated measurement of the needs per life domain (intake, interim, closure: issue 18)."""

    occasion = forms.ChoiceField(label=_("Moment"), choices=NeedsMeasurement.Occasion.choices)
    date = forms.DateField(label=_("Measured on"), widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": _("Fill in the date."), "invalid": _("Fill in a valid date.")},
                           validators=[plausible_date])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_domain_fields(self, _("Needs per life domain"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            cleaned["needs"] = self.gather_levels(cleaned)
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned
