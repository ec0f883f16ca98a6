"""Forms of the signal pages: field messages in the request's language; the services decide the
rules (a barrier type of the taxonomy, the status moves, names in a shareable description)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buddynet.features.signals.models import Signal, SignalStatus
from buddynet.features.signals.selectors import barrier_types_offered
from buddynet.validators import plausible_date
from buddynet.vocabulary import LifeDomain

GROUPINGS = [
    ("barrier_type", _("Barrier type")),
    ("municipality", _("Municipality")),
    ("life_domain", _("Life domain")),
    ("status", _("Status")),
]


class SignalForm(forms.Form):
    barrier_type = forms.ChoiceField(
        label=_("What kind of barrier?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the kind of barrier.")},
    )
    life_domain = forms.ChoiceField(
        choices=LifeDomain.choices,
        label=_("In which life domain?"),
        error_messages={"required": _("Choose a life domain.")},
    )
    description = forms.CharField(
        required=False,
        max_length=Signal.DESCRIPTION_MAX,
        label=_("Briefly, without names (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["barrier_type"]
        field.choices = [(t.code, t.name) for t in barrier_types_offered()]


class MoveForm(forms.Form):
    status = forms.ChoiceField(choices=SignalStatus.choices, label=_("New status"))
    passed_on_to = forms.CharField(required=False, max_length=120, label=_("Passed on to (service, person)"))


class ShareForm(forms.Form):
    shareable = forms.BooleanField(required=False, label=_("The description names nobody and may be shared"))
    description = forms.CharField(
        required=False,
        max_length=Signal.DESCRIPTION_MAX,
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FilterForm(forms.Form):
    group_by = forms.ChoiceField(choices=GROUPINGS, required=False, label=_("Group by"))
    status = forms.ChoiceField(choices=[("", _("all")), *SignalStatus.choices], required=False, label=_("Status"))


class ReportForm(forms.Form):
    start = forms.DateField(
        validators=[plausible_date],
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Fill in the date."), "invalid": _("Fill in a valid date.")},
    )
    end = forms.DateField(
        validators=[plausible_date],
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Fill in the date."), "invalid": _("Fill in a valid date.")},
    )
    municipality = forms.CharField(required=False, max_length=100, label=_("Municipality (empty: all)"))
    project = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("Project"))

    def __init__(self, *args: Any, projects: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["project"]
        field.choices = [("", _("all my projects")), *((p.pk, p.name) for p in projects)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("The end cannot be before the start."))
        return cleaned
