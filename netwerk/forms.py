"""Forms of the coordinator's network-map pages. They validate input at the edge; the services
re-check and save atomically."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from buddynet.validators import plausible_date
from buddynet.vocabulary import LifeDomain
from netwerk.models import Alter, NetworkMap, Occasion, Ring, SupportType, Valence


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class MapForm(forms.ModelForm):
    class Meta:
        model = NetworkMap
        fields = ["occasion", "date", "note"]
        widgets = {"date": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}


class NewMapForm(forms.Form):
    occasion = forms.ChoiceField(label=_("occasion"), choices=Occasion.choices, initial=Occasion.INTERIM)
    date = forms.DateField(label=_("date"), widget=DateInput(), validators=[plausible_date])
    copy_from_last = forms.BooleanField(
        label=_("Start from the last map (only record what changed)"), required=False, initial=True,
    )


class LoadedChoices(ModelChoiceIterator):
    """A ModelMultipleChoiceField's choices from the objects in `field.loaded`, without a query."""

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        for obj in self.field.loaded:
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.field.loaded)

    def __bool__(self) -> bool:
        return bool(self.field.loaded)


class AlterForm(forms.ModelForm):
    life_domains = forms.MultipleChoiceField(
        label=_("Life domains where this person matters"), choices=LifeDomain.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    support_types = forms.MultipleChoiceField(
        label=_("Support"), choices=SupportType.choices, required=False, widget=forms.CheckboxSelectMultiple,
    )
    ring = forms.TypedChoiceField(
        label=_("Closeness"), choices=Ring.choices, coerce=int, initial=Ring.MIDDLE, widget=forms.RadioSelect,
    )
    valence = forms.ChoiceField(
        label=_("How does this contact feel?"), choices=Valence.choices, initial=Valence.SUPPORTIVE,
        widget=forms.RadioSelect,
    )
    knows = forms.ModelMultipleChoiceField(
        label=_("Knows"), queryset=Alter.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Alter
        fields = ["label", "category", "ring", "valence", "contact_frequency", "reciprocity", "life_domains",
                  "support_types", "via_buddy"]
        help_texts = {"label": _("A first name, nickname or role (\"neighbour\", \"GP\") — never a full name.")}

    def __init__(self, *args: Any, network_map: NetworkMap, others: list[Alter], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.network_map = network_map
        ids = [a.pk for a in others if a.pk != self.instance.pk]
        knows = self.fields["knows"]
        # The choices come from the alters the view loaded already: one query for the page, not
        # one per alter's form (issue 20). Validation of a submitted form still asks the database.
        knows.loaded = sorted((a for a in others if a.pk != self.instance.pk), key=lambda a: (a.ring, a.pk))
        knows.iterator = LoadedChoices
        knows.queryset = Alter.objects.filter(map=network_map, pk__in=ids).order_by("ring", "id")
        self.fields["knows"].label_from_instance = lambda alter: alter.label
        if not ids:
            del self.fields["knows"]

    def alter_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
