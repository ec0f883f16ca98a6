"""The form of a project's follow-up settings page (notifications/views.py project_rules).

Plain field checks only (numbers, ranges); the rules across fields and the saving are the
service's (services.project_rules_save)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buddynet.features.aftercare.forms import SettingsForm as AftercareSettingsForm
from notifications.models import RULE_KINDS, Kind


def _days(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=365, help_text=help_text,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class ProjectRulesForm(forms.Form):
    # Ticked = the rule sends its messages; the service stores the ones left unticked as switched off.
    enabled_kinds = forms.MultipleChoiceField(
        label=_("Messages this project sends"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(kind, Kind(kind).label) for kind in RULE_KINDS],
    )
    contact_cadence_days = _days(_("Expected contact frequency (days)"),
                                 _("A duo meets at least once every so many days; then the volunteer is reminded."))
    quiet_alert_days = _days(_("Days of silence before the coordinators are alerted"),
                             _("At least the expected contact frequency."))
    first_month_days = _days(_("Length of the first month (days)"))
    first_month_min_check_ins = forms.IntegerField(
        label=_("Minimum number of contacts in the first month"), min_value=1, max_value=30,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    new_duo_days = _days(_("Days before a new duo without a contact is flagged"))
    screening_warn_days = _days(_("Warn this many days before a criminal record extract expires"))
    planned_end_warn_days = _days(_("Warn this many days before a duo's planned end"))
    obligation_warn_days = _days(_("Warn this many days before a report is due"))
    # The aftercare rules as the coordinator's aftercare page asks them (one wording, one parser).
    contact_months = AftercareSettingsForm.base_fields["contact_months"]
    closure_map = AftercareSettingsForm.base_fields["closure_map"]
    interim_map_months = AftercareSettingsForm.base_fields["interim_map_months"]
    clean_contact_months = AftercareSettingsForm.clean_contact_months

    CONTACT = ("contact_cadence_days", "quiet_alert_days", "first_month_days", "first_month_min_check_ins",
               "new_duo_days")
    AHEAD = ("screening_warn_days", "planned_end_warn_days", "obligation_warn_days")
    AFTERCARE = ("contact_months", "closure_map", "interim_map_months")

    def service_data(self) -> dict[str, Any]:
        """The cleaned data as services.project_rules_save takes it."""
        data = dict(self.cleaned_data)
        enabled = set(data.pop("enabled_kinds"))
        data["disabled_kinds"] = [kind for kind in RULE_KINDS if kind not in enabled]
        return data

    def group(self, names: tuple[str, ...]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def contact_fields(self) -> list[forms.BoundField]:
        return self.group(self.CONTACT)

    def ahead_fields(self) -> list[forms.BoundField]:
        return self.group(self.AHEAD)

    def aftercare_fields(self) -> list[forms.BoundField]:
        return self.group(self.AFTERCARE)

    def rule_rows(self) -> list[dict[str, Any]]:
        """One row per rule for the template: the checkbox and the sentence of what it does."""
        return [{"checkbox": checkbox, "description": RULE_KINDS[checkbox.data["value"]]}
                for checkbox in self["enabled_kinds"]]
