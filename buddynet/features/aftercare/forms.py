from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buddynet.duos.models import CheckInMode
from buddynet.features.aftercare.models import ReferralOutcome
from buddynet.vocabulary import LifeDomain


class LogForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    mode = forms.ChoiceField(label=_("Type of contact"), required=False,
                             choices=[("", "—"), *CheckInMode.choices])
    note = forms.CharField(label=_("How is it going? (only for the coordinators)"), required=False,
                           max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ReferralForm(forms.Form):
    participant = forms.ModelChoiceField(label=_("Participant"), queryset=None)  # type: ignore[arg-type]
    service = forms.ModelChoiceField(label=_("Service"), queryset=None)  # type: ignore[arg-type]
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    life_domain = forms.ChoiceField(label=_("Life domain"), choices=LifeDomain.choices)
    reason = forms.CharField(label=_("Reason (only for the coordinators)"), required=False, max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, participants: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = participants  # type: ignore[attr-defined]
        self.fields["service"].queryset = services  # type: ignore[attr-defined]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *ReferralOutcome.choices])
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("About the outcome"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=None)  # type: ignore[arg-type]
    file = forms.FileField(label=_("CSV file (name, kind, municipality, contact)"))

    def __init__(self, *args: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
