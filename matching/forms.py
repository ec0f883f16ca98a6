"""Forms of the matching pages: input checked at the edge, the rules in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class PooledRunForm(forms.Form):
    """Which projects to match together; each choice shows the project's municipality."""

    projects = forms.ModelMultipleChoiceField(
        label=_("Projects to match together"), queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text=_("Projects of one municipality. Each volunteer's own travel distance still applies."),
        error_messages={"required": _("Choose at least two projects to pool.")},
    )

    def __init__(self, *args: Any, projects: Any, municipalities: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["projects"]
        field.queryset = projects
        field.label_from_instance = lambda project: (
            f"{project.name} · {municipalities.get(project.pk) or _('no municipality known yet')}")
