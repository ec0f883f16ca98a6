from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buddynet.features.aftercare.models import Moment, ReferralOutcome, ReferralService, Respondent, Source
from buddynet.records.duos.models import CheckInMode
from buddynet.records.people.models import Project
from buddynet.validators import plausible_date
from buddynet.vocabulary import LifeDomain


class LogForm(forms.Form):
    on = forms.DateField(
        validators=[plausible_date], label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    mode = forms.ChoiceField(label=_("Type of contact"), required=False, choices=[("", "—"), *CheckInMode.choices])
    note = forms.CharField(
        label=_("How is it going? (only for the coordinators)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReferralForm(forms.Form):
    """A referral of the participant whose page it is on: the services are their project's."""

    service: forms.ModelChoiceField[ReferralService] = forms.ModelChoiceField(
        label=_("Service"), queryset=ReferralService.objects.none()
    )
    date = forms.DateField(
        validators=[plausible_date], label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    life_domain = forms.ChoiceField(label=_("Life domain"), choices=LifeDomain.choices)
    reason = forms.CharField(
        label=_("Reason (only for the coordinators)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]


class ParticipantFindForm(forms.Form):
    """Who to refer: a few words of the name (posted, so a name never lands in the address)."""

    find = forms.CharField(
        label=_("Find the participant"),
        min_length=2,
        max_length=100,
        help_text=_("Part of the name, the postcode or the municipality."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "search"}),
    )


class ServiceForm(forms.ModelForm):  # type: ignore[type-arg]
    """One service of a project's directory, added or corrected on the page (the CSV import does
    many at once). A service stays in its project; "in use" off keeps it out of new referrals."""

    class Meta:
        model = ReferralService
        fields = ["project", "name", "kind", "municipality", "contact", "active"]

    def __init__(self, *args: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["project"].queryset = projects  # type: ignore[attr-defined]
            del self.fields["active"]
        else:
            del self.fields["project"]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *ReferralOutcome.choices])
    on = forms.DateField(
        validators=[plausible_date], label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=_("About the outcome"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(forms.Form):
    project: forms.ModelChoiceField[Project] = forms.ModelChoiceField(
        label=_("Project"), queryset=Project.objects.none()
    )
    file = forms.FileField(label=_("CSV file (name, kind, municipality, contact)"))

    def __init__(self, *args: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]


FACE_CHOICES = [(1, _("Not at all")), (2, _("Not really")), (3, _("So-so")), (4, _("Yes")), (5, _("Very much"))]


def _question(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=FACE_CHOICES, coerce=int, required=False, empty_value=None, widget=forms.RadioSelect
    )


class EvaluationForm(forms.Form):
    """The short evaluation in easy Dutch: five faces per question, every question may be skipped."""

    moment = forms.ChoiceField(label=_("When"), choices=Moment.choices, widget=forms.RadioSelect)
    respondent = forms.ChoiceField(
        label=_("Who answers"), choices=Respondent.choices, widget=forms.RadioSelect, initial=Respondent.PARTICIPANT
    )
    source = forms.ChoiceField(label=_("How"), choices=Source.choices, widget=forms.RadioSelect, initial=Source.PHONE)
    date = forms.DateField(
        validators=[plausible_date], label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    heard = _question(_("I feel heard"))
    decide = _question(_("I decide for myself"))
    network = _question(_("I know more people I can count on"))
    recommend = _question(_("I would tell others to do this"))
    fit = _question(_("It clicks with my buddy (after the first meeting)"))
    own_words = forms.CharField(
        label=_("In my own words (if you want)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SettingsForm(forms.Form):
    contact_months = forms.CharField(
        label=_("Aftercare contacts, in months after the closure"),
        required=False,
        max_length=40,
        help_text=_("Separated by commas, e.g. 1, 3. Empty: no aftercare contacts."),
    )
    closure_map = forms.BooleanField(label=_("Plan a closure network map when none was made"), required=False)
    interim_map_months = forms.IntegerField(
        label=_("Remind an interim network map every (months)"), min_value=1, max_value=36
    )

    def clean_contact_months(self) -> list[int]:
        text = self.cleaned_data["contact_months"]
        try:
            return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Give whole numbers of months, e.g. 1, 3.")) from None
