"""Barrier signals (signaalfunctie): structural barriers a volunteer or coordinator met during a
trajectory, passed on to local and Flemish policy and bundled into signal reports.

A barrier type is a row of a small taxonomy that the organisation may edit (admin); it is seeded
by migration 0002 with the barriers the research on poverty names. A signal's description is
free text and encrypted at rest; it reaches a report only when a coordinator marked it shareable
(and the service checked that it names neither the participant nor the volunteer).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from buddynet.crypto import EncryptedCharField
from buddynet.records.duos.models import CheckIn, Duo
from buddynet.records.people.models import Participant, Project
from buddynet.validators import plausible_date
from buddynet.vocabulary import LifeDomain


class BarrierType(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    active = models.BooleanField(_("active"), default=True, help_text=_("Offered when a signal is recorded."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("barrier type")
        verbose_name_plural = _("barrier types")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl


class SignalStatus(models.TextChoices):
    NEW = "new", _("New")
    PASSED_ON = "passed_on", _("Passed on")
    ANSWERED = "answered", _("Answered")
    STRUCTURAL = "structural", _("Structural")


# The status moves one way: new → passed on (to whom) → answered or structural.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    SignalStatus.NEW: (SignalStatus.PASSED_ON,),
    SignalStatus.PASSED_ON: (SignalStatus.ANSWERED, SignalStatus.STRUCTURAL),
    SignalStatus.ANSWERED: (),
    SignalStatus.STRUCTURAL: (),
}


class Signal(models.Model):
    DESCRIPTION_MAX = 300

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project"))
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("participant"))
    duo = models.ForeignKey(Duo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            verbose_name=_("duo"))
    # Set when it came with a check-in: one signal per check-in, so a phone's resend adds none.
    check_in = models.OneToOneField(CheckIn, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("check-in"))
    date = models.DateField(_("date"), validators=[plausible_date])
    life_domain = models.CharField(_("life domain"), max_length=20, choices=LifeDomain.choices)
    barrier_type = models.ForeignKey(BarrierType, on_delete=models.PROTECT, related_name="signals",
                                     verbose_name=_("barrier type"))
    description = EncryptedCharField(_("description"), max_length=DESCRIPTION_MAX, blank=True)  # encrypted at rest
    # From the participant's postcode when the signal was recorded: reports group by it.
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=SignalStatus.choices, default=SignalStatus.NEW)
    passed_on_to = models.CharField(_("passed on to"), max_length=120, blank=True)
    status_changed_on = models.DateField(_("status changed on"), validators=[plausible_date], null=True, blank=True)
    shareable = models.BooleanField(
        _("description may be shared"), default=False,
        help_text=_("Only when the description names nobody: it then appears in the signal report."),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["project", "date"])]
        constraints = [
            models.CheckConstraint(name="signal_passed_on_to_whom",
                                   condition=Q(status="new") | ~Q(passed_on_to="")),
            models.CheckConstraint(name="signal_shareable_has_description",
                                   condition=Q(shareable=False) | ~Q(description="")),
        ]

    def __str__(self) -> str:
        return f"{self.barrier_type} · {self.municipality} · {self.date}"
