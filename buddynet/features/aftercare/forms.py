from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from buddynet.duos.models import CheckInMode


class LogForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    mode = forms.ChoiceField(label=_("Type of contact"), required=False,
                             choices=[("", "—"), *CheckInMode.choices])
    note = forms.CharField(label=_("How is it going? (only for the coordinators)"), required=False,
                           max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
