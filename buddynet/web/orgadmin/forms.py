"""Forms of the organisation administrator's pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class CoordinatorInviteForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))
    project: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Project"), queryset=None, empty_label=None)

    def __init__(self, *args: Any, projects: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from buddynet.records.people.models import Project

        field = self.fields["project"]
        assert isinstance(field, forms.ModelChoiceField)
        # Only this organisation's projects can be chosen: another's id is "not a valid choice".
        field.queryset = Project.objects.filter(pk__in=[p.pk for p in projects]).order_by("name")


class SupportAccessForm(forms.Form):
    until = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


class FunderViewerInviteForm(forms.Form):
    prefix = "funder"  # on the same page as the coordinator's form: distinct field ids

    full_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))
    funder: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Funder"), queryset=None, empty_label=None)

    def __init__(self, *args: Any, funders: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from buddynet.records.people.models import Funder

        field = self.fields["funder"]
        assert isinstance(field, forms.ModelChoiceField)
        # Only the funders of this organisation's projects: another id is "not a valid choice".
        field.queryset = Funder.objects.filter(pk__in=[x.pk for x in funders]).order_by("name")


class AllowanceSettingsForm(forms.Form):
    """The organisation's allowance settings; the rules against the legal caps are the service's
    (funding.services.allowance_settings_save)."""

    default_kind = forms.ChoiceField(label=_("Default allowance system"), widget=forms.RadioSelect)
    daily_rate = forms.DecimalField(
        label=_("Flat rate per day (EUR)"), required=False, min_value=Decimal("0.01"), max_digits=12,
        decimal_places=2, help_text=_("Needed when the flat rate is the default; at most the legal daily cap."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    yearly_maximum = forms.DecimalField(
        label=_("Own yearly maximum per volunteer (EUR)"), required=False, min_value=Decimal("0.01"),
        max_digits=12, decimal_places=2,
        help_text=_("Optional: what your organisation pays one volunteer in flat-rate allowances in a year at most, "
                    "below the legal yearly cap. Empty: only the legal cap."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from buddynet.features.funding.models import AllowanceKind

        field = self.fields["default_kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = AllowanceKind.choices


class VolunteerAccountFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or email address")}))
    state = forms.ChoiceField(label=_("Account"), required=False, choices=[
        ("", _("All")), ("none", _("Not invited")), ("waiting", _("Expected first sign-in")),
        ("active", _("active")), ("closed", _("Account closed"))])
