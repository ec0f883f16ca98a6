"""Match runs (a frozen record of one optimisation), their proposals, and the pairs a
coordinator forbids or locks for the next run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buddynet.crypto import EncryptedCharField


class MatchRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    project = models.ForeignKey(
        "people.Project", on_delete=models.CASCADE, related_name="match_runs", verbose_name=_("project"),
    )
    # A pooled run (issue 20) matches the waiting participants and available volunteers of several
    # projects of one organisation and one municipality together; `projects` holds all of them
    # (`project` is the first by name, the one the run is listed under). Only who coordinates every
    # one of them sees its proposals (selectors.py).
    pooled = models.BooleanField(_("pooled run of several projects"), default=False)
    projects = models.ManyToManyField(
        "people.Project", blank=True, related_name="pooled_match_runs", verbose_name=_("pooled projects"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    started_at = models.DateTimeField(_("computation started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    # What the run was given, frozen: the pools (ids), the weights and the hard rules in force.
    pools = models.JSONField(_("pools"), default=dict)
    weights = models.JSONField(_("weights"), default=dict)
    rules = models.JSONField(_("hard rules"), default=dict)
    # What came out.
    solver = models.CharField(_("solver"), max_length=40, blank=True)
    solver_status = models.CharField(_("solver status"), max_length=20, blank=True)
    objective = models.BigIntegerField(_("total score"), null=True, blank=True)
    participant_count = models.PositiveIntegerField(_("participants"), default=0)
    volunteer_count = models.PositiveIntegerField(_("volunteers"), default=0)
    feasible_pairs = models.PositiveIntegerField(_("feasible pairs"), default=0)
    matched_count = models.PositiveIntegerField(_("matched"), default=0)
    timings = models.JSONField(_("timings (s)"), default=dict)
    # Participants left without a volunteer: [{"participant": id, "reason": code, "params": {...}}];
    # the words are made at display time, in the reader's language.
    unmatched = models.JSONField(_("unmatched participants"), default=list)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.project} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class Proposal(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("match run"))
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.CASCADE, related_name="+", verbose_name=_("participant"),
    )
    volunteer = models.ForeignKey(
        "people.Volunteer", on_delete=models.CASCADE, related_name="+", verbose_name=_("volunteer"),
    )
    score = models.IntegerField(_("score"))
    parts = models.JSONField(_("score per criterion"), default=dict)
    distance_km = models.FloatField(_("distance (km)"), null=True, blank=True)
    locked = models.BooleanField(_("locked pair"), default=False)
    # Up to three next-best volunteers: [{"volunteer": id, "score": n, "parts": {...}, "distance_km": x}].
    alternatives = models.JSONField(_("alternatives"), default=list)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    # Free text about two people (why they do not fit): encrypted at rest (buddynet/privacy.py).
    decision_reason = EncryptedCharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    duo = models.ForeignKey(
        "duos.Duo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("duo"),
    )

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-score", "participant_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "participant"], name="one_proposal_per_participant_per_run"),
            models.CheckConstraint(
                name="proposal_accepted_has_duo",
                condition=~Q(decision="accepted") | Q(duo__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} & {self.participant_id} ({self.score})"


class PairRule(models.Model):
    project = models.ForeignKey("people.Project", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("project"))
    participant = models.ForeignKey("people.Participant", on_delete=models.CASCADE, related_name="+",
                                    verbose_name=_("participant"))
    volunteer = models.ForeignKey("people.Volunteer", on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("volunteer"))
    reason = EncryptedCharField(_("reason"), max_length=300)  # free text about two people: privacy.py
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.volunteer_id} & {self.participant_id}: {self.reason}"


class ForbiddenPair(PairRule):
    """Never propose this pair again (after a failed duo or a known conflict)."""

    class Meta(PairRule.Meta):
        verbose_name = _("forbidden pair")
        verbose_name_plural = _("forbidden pairs")
        constraints = [models.UniqueConstraint(fields=["participant", "volunteer"], name="unique_forbidden_pair")]


class LockedPair(PairRule):
    """Keep this pair in every run; the rest is optimised around it."""

    class Meta(PairRule.Meta):
        verbose_name = _("locked pair")
        verbose_name_plural = _("locked pairs")
        constraints = [models.UniqueConstraint(fields=["participant"], name="one_lock_per_participant")]
