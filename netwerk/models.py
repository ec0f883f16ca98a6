"""Personal network maps: dated snapshots of a participant's ego network.

An alter's `key` is the same person across snapshots (copied when a new map starts from the
last one), so change is measured by key, never by label (labels are pseudonyms that may be
edited).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from buddynet.crypto import EncryptedTextField
from buddynet.records.people.models import Participant
from buddynet.validators import NameField, plausible_date
from buddynet.vocabulary import LIFE_DOMAINS, AlterCategory


class Occasion(models.TextChoices):
    INTAKE = "intake", _("Intake")
    INTERIM = "interim", _("Interim")
    CLOSURE = "closure", _("Closure")


# The one list of alter categories, shared with the check-ins' new contacts.
Category = AlterCategory


class SupportType(models.TextChoices):
    EMOTIONAL = "emotional", _("Emotional")
    PRACTICAL = "practical", _("Practical")
    INFORMATIONAL = "informational", _("Information and advice")
    COMPANY = "company", _("Company and leisure")


class Ring(models.IntegerChoices):
    INNER = 1, _("1 · very close")
    MIDDLE = 2, _("2 · close")
    OUTER = 3, _("3 · further away")


class ContactFrequency(models.TextChoices):
    DAILY = "daily", _("(Almost) daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    RARELY = "rarely", _("A few times a year or less")


class Valence(models.TextChoices):
    SUPPORTIVE = "supportive", _("Supportive")
    MIXED = "mixed", _("Mixed")
    STRAINED = "strained", _("Strained")


class Reciprocity(models.TextChoices):
    GIVES = "gives", _("Mostly gives to the participant")
    RECEIVES = "receives", _("Mostly receives from the participant")
    BOTH = "both", _("Both ways")


@deconstructible
class CodeListValidator:
    """A JSON list of known codes (life domains, support types); unknown codes are named."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def allowed(self) -> tuple[str, ...]:
        return LIFE_DOMAINS if self.kind == "life_domains" else tuple(SupportType.values)

    def __call__(self, value: Any) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(_("Give a list of codes."), code="invalid")
        unknown = sorted(set(value) - set(self.allowed()))
        if unknown:
            message = (_("Unknown life domain: %(value)s.") if self.kind == "life_domains"
                       else _("Unknown support type: %(value)s."))
            raise ValidationError(message, code="invalid_choice", params={"value": ", ".join(unknown)})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CodeListValidator) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(self.kind)


validate_life_domains = CodeListValidator("life_domains")
validate_support_types = CodeListValidator("support_types")


class NetworkMap(models.Model):
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="network_maps", verbose_name=_("participant"),
    )
    occasion = models.CharField(_("occasion"), max_length=10, choices=Occasion.choices, default=Occasion.INTAKE)
    date = models.DateField(_("date"), validators=[plausible_date])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("recorded by"),
    )
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("started from"),
    )
    # Encrypted at rest (buddynet/privacy.py ENCRYPTED): what the participant told about their network.
    note = EncryptedTextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("network map")
        verbose_name_plural = _("network maps")
        ordering = ["participant_id", "date", "id"]
        indexes = [models.Index(fields=["participant", "date"])]

    def __str__(self) -> str:
        return f"{self.get_occasion_display()} {self.date}"


class Alter(models.Model):
    """One person (or organisation) in the participant's network on one map."""

    map = models.ForeignKey(NetworkMap, on_delete=models.CASCADE, related_name="alters", verbose_name=_("map"))
    key = models.UUIDField(_("stable key"), default=uuid.uuid4, editable=False)
    label = NameField(
        _("label"), max_length=40,
        help_text=_("A first name, nickname or role — never a full name."),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    life_domains = models.JSONField(_("life domains"), default=list, blank=True, validators=[validate_life_domains])
    support_types = models.JSONField(
        _("support"), default=list, blank=True, validators=[validate_support_types],
    )
    ring = models.PositiveSmallIntegerField(
        _("closeness"), choices=Ring.choices, default=Ring.MIDDLE,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
    )
    contact_frequency = models.CharField(
        _("contact"), max_length=10, choices=ContactFrequency.choices, blank=True,
    )
    valence = models.CharField(_("how it feels"), max_length=12, choices=Valence.choices, default=Valence.SUPPORTIVE)
    reciprocity = models.CharField(_("give and take"), max_length=10, choices=Reciprocity.choices, blank=True)
    via_buddy = models.BooleanField(_("made with the buddy's help"), default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    check_in = models.ForeignKey(
        "duos.CheckIn", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("from check-in"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("alter")
        verbose_name_plural = _("alters")
        ordering = ["map_id", "ring", "id"]
        constraints = [
            models.UniqueConstraint(fields=["map", "key"], name="alter_key_once_per_map"),
            models.CheckConstraint(name="alter_ring_1_to_3", condition=Q(ring__gte=1, ring__lte=3)),
        ]

    def __str__(self) -> str:
        return self.label


class Tie(models.Model):
    """Two alters of the same map know each other. Stored once, lower alter id first."""

    map = models.ForeignKey(NetworkMap, on_delete=models.CASCADE, related_name="ties", verbose_name=_("map"))
    a = models.ForeignKey(Alter, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Alter, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("tie")
        verbose_name_plural = _("ties")
        ordering = ["map_id", "a_id", "b_id"]
        constraints = [
            models.UniqueConstraint(fields=["a", "b"], name="tie_once"),
            models.CheckConstraint(name="tie_in_order", condition=Q(a__lt=F("b"))),
        ]

    def __str__(self) -> str:
        return f"{self.a_id}–{self.b_id}"
