"""The outbox, per-project rule settings and per-user preferences.

A Notification row is one message to one person on one channel. The in-app inbox row is
"delivered" the moment it is written; the e-mail row waits for the delivery task (or the
daily digest). Rows are written in the same transaction as the change that causes them
(buddynet/events.py), so a rolled-back change leaves no message behind, and a committed one
always has its message waiting to be sent — whatever the broker does.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    # volunteer
    CHECK_IN_REMINDER = "check_in_reminder", _("No contact logged for a while")
    MEETING_TOMORROW = "meeting_tomorrow", _("Meeting tomorrow")
    CONCERN_HANDLED = "concern_handled", _("Your concern was followed up")
    # coordinator
    CONCERN_RAISED = "concern_raised", _("Concern raised on a check-in")
    DUO_QUIET = "duo_quiet", _("Duo has gone quiet")
    NEW_DUO_NO_CHECK_IN = "new_duo_no_check_in", _("New duo without a check-in")
    SCREENING_EXPIRING = "screening_expiring", _("Volunteer screening expires soon")
    SCREENING_EXPIRED = "screening_expired", _("Volunteer screening expired today")
    DUO_ENDING = "duo_ending", _("Duo reaches its planned end")
    MATCH_RUN_FINISHED = "match_run_finished", _("Match run finished")
    ALLOWANCE_CAP = "allowance_cap", _("Volunteer allowance nears the yearly cap")
    AFTERCARE_DUE = "aftercare_due", _("Aftercare due after a duo closed")
    NETWORK_MAP_DUE = "network_map_due", _("Interim network map due")
    REFERRAL_OUTCOME_DUE = "referral_outcome_due", _("Outcome of a referral to fill in")
    PAIRING_FIT_POOR = "pairing_fit_poor", _("A new duo does not click")
    # coordinator and funder
    OBLIGATION_DUE = "obligation_due", _("Report due soon")
    OBLIGATION_OVERDUE = "obligation_overdue", _("Report overdue")
    REPORT_FROZEN = "report_frozen", _("Progress report delivered")
    # coordinator: the funder's answer to a signed-off report
    REPORT_APPROVED = "report_approved", _("Progress report approved")
    REPORT_COMPLETION_REQUESTED = "report_completion_requested", _("Funder asks to complete a report")


# The kinds a project can switch off (ProjectRules.disabled_kinds): those of the time-based rules
# (notifications/rules.py RULES, each named after its kind), with a sentence for the settings page
# saying what each does. The event-driven kinds (a concern raised, a report delivered, ...) answer
# something a person just did and are not switched off per project.
RULE_KINDS: dict[str, Any] = {
    Kind.CHECK_IN_REMINDER: _("Reminds the volunteer when no contact was logged for longer than the expected "
                              "contact frequency."),
    Kind.MEETING_TOMORROW: _("Reminds the volunteer the day before a planned meeting."),
    Kind.DUO_QUIET: _("Alerts the coordinators when an active duo had too few contacts in its first month, or "
                      "afterwards no contact for the days of silence set below."),
    Kind.NEW_DUO_NO_CHECK_IN: _("Alerts the coordinators when a newly introduced duo has logged no contact after "
                                "the number of days set below."),
    Kind.DUO_ENDING: _("Alerts the coordinators ahead of a duo's planned end, so the closing can be prepared."),
    Kind.SCREENING_EXPIRING: _("Warns the coordinators ahead of the expiry of a volunteer's criminal record "
                               "extract."),
    Kind.SCREENING_EXPIRED: _("Tells the coordinators on the day a volunteer's extract expires: from then on the "
                              "volunteer is not matched and gets no new duo."),
    Kind.OBLIGATION_DUE: _("Warns the coordinators and the funder's viewers ahead of a report's due date."),
    Kind.OBLIGATION_OVERDUE: _("Tells the coordinators and the funder's viewers once a report is overdue."),
    Kind.AFTERCARE_DUE: _("Reminds the coordinators of a planned aftercare contact after a duo closed."),
    Kind.NETWORK_MAP_DUE: _("Reminds the coordinators when an active duo's participant has had no network map "
                            "for the interval set under aftercare."),
    Kind.REFERRAL_OUTCOME_DUE: _("Asks the coordinators for the outcome of a referral 30 days after it was made."),
}


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("E-mail")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8, default="nl-be")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    # What the message is about (a check-in, a duo, a report, ...): generic, because
    # notifications reads every app and is imported by none.
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("about (type)"),
    )
    object_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    # A file in default storage sent along with the e-mail (the frozen report's PDF). Its storage
    # name, not the report: delivery needs no knowledge of the funding app's models.
    attachment = models.CharField(_("attachment"), max_length=300, blank=True)
    # The same cause gives the same key: a rule that fires twice, an event emitted twice, or
    # two workers evaluating rules at once still store one row (the unique constraint).
    dedup_key = models.CharField(_("de-duplication key"), max_length=200)
    # E-mail only: wait for the daily digest instead of going out at once.
    digest = models.BooleanField(_("in the daily digest"), default=False)
    created_at = models.DateTimeField(_("created"))
    # A delivery attempt holds the row until then; a worker killed mid-delivery loses the
    # claim when it runs out, and the sweep hands the row to another attempt.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "channel", "dedup_key"], name="notification_dedup"),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
            # The sweep's question: which e-mails are not sent and not failed?
            models.Index(fields=["sent_at", "failed_at", "channel"], name="notification_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.channel})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DAILY = "daily", _("Daily digest")


class Preference(models.Model):
    """How a user wants their e-mail. No row = the default (immediately)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference",
        verbose_name=_("user"),
    )
    email_frequency = models.CharField(
        _("e-mail"), max_length=20, choices=Frequency.choices, default=Frequency.IMMEDIATELY,
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_email_frequency_display()}"


def validate_kinds(value: object) -> None:
    if not isinstance(value, list) or any(kind not in Kind.values for kind in value):
        raise ValidationError(
            _("A list of kinds of notification, from: %(kinds)s."), params={"kinds": ", ".join(Kind.values)},
        )


def _days(label: str, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(365)],
    )


class ProjectRules(models.Model):
    """The rules' settings for one project. No row = the defaults below.

    Defaults follow the MENTOR standard for match support (contact with the pair in the first
    weeks, then at least monthly). The contact cadence itself lives on the project
    (Project.contact_cadence_days: the volunteer's reminder; Project.quiet_alert_days: the
    coordinator's "gone quiet" alert), so there is one place to set it.
    """

    project = models.OneToOneField(
        "people.Project", on_delete=models.CASCADE, related_name="notification_rules", verbose_name=_("project"),
    )
    disabled_kinds = models.JSONField(
        _("rules switched off"), default=list, blank=True, validators=[validate_kinds],
        help_text=_("Kinds of notification this project does not want, e.g. [\"meeting_tomorrow\"]."),
    )
    first_month_days = _days(_("length of the first month (days)"), 30)
    first_month_min_check_ins = models.PositiveSmallIntegerField(
        _("minimum check-ins in the first month"), default=2,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    new_duo_days = _days(_("days before a new duo without a check-in is flagged"), 14)
    # How long an extract stays valid is the project's own rule (people.Project.screening_valid_months):
    # the matcher, duo creation and these alerts read the one number.
    screening_warn_days = _days(_("warn this many days before the screening expires"), 30)
    planned_end_warn_days = _days(_("warn this many days before a duo's planned end"), 30)
    obligation_warn_days = _days(_("warn this many days before a report is due"), 14)

    class Meta:
        verbose_name = _("notification rules of a project")
        verbose_name_plural = _("notification rules of projects")

    def __str__(self) -> str:
        return str(self.project)


NOT_DELIVERED = Q(sent_at=None, failed_at=None)
