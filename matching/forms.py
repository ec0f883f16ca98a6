"""Forms of the matching pages: input checked at the edge, the rules in services.py."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from buddynet.records.people.models import Project


class ProjectsWithTowns(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Each project named with its municipality (the one the pooling rule compares)."""

    municipalities: dict[int, str] = {}  # noqa: RUF012 - replaced per form instance

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {self.municipalities.get(obj.pk) or _('no municipality known yet')}"


class PooledRunForm(forms.Form):
    """Which projects to match together; each choice shows the project's municipality."""

    projects = ProjectsWithTowns(
        label=_("Projects to match together"), queryset=Project.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text=_("Projects of one municipality. Each volunteer's own travel distance still applies."),
        error_messages={"required": _("Choose at least two projects to pool.")},
    )

    def __init__(self, *args: Any, projects: Any, municipalities: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(ProjectsWithTowns, self.fields["projects"])
        field.queryset = projects
        field.municipalities = municipalities
