"""Writes of the notifications engine: outbox rows, delivery, digest, the inbox, preferences.

Delivery is at-least-once with a claim that makes it effectively once:
- a delivery attempt first *claims* the e-mail row with a conditional UPDATE (not sent, not
  failed, not held by another attempt); a second task for the same row updates nothing and stops;
- the claim is a lease (`claimed_until`), longer than the task's hard time limit: a worker killed
  mid-delivery never marks the row, the lease runs out, and the sweep hands it to a new attempt;
- a failed attempt keeps the row held until its retry is due (the backoff), so the sweep does not
  undercut the backoff; after the last attempt the row is marked failed (visible in the admin).
The one window left is between the mail server accepting a message and our UPDATE: a crash
exactly there sends it again. The Message-ID is derived from the row, so a receiving mail
system can recognise such a repeat.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import InterfaceError, OperationalError, connection, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from buddynet.records.accounts.selectors import may_change_project_settings
from buddynet.records.people.selectors import organisation_of_user
from notifications import messages, outbox
from notifications.models import (
    NOT_DELIVERED,
    RULE_KINDS,
    Channel,
    Frequency,
    Kind,
    Notification,
    Preference,
    ProjectRules,
)
from notifications.selectors import Recipient

if TYPE_CHECKING:
    from buddynet.records.accounts.models import User
    from buddynet.records.people.models import Project

logger = logging.getLogger(__name__)

# Kinds that go out at once even to someone who chose the daily digest: a volunteer's worry
# about their buddy should not wait until tomorrow morning.
URGENT_KINDS = frozenset({Kind.CONCERN_RAISED})


def claim_seconds(*, urgent: bool = False) -> int:
    """How long one delivery attempt holds its row. Urgent kinds (a volunteer's worry) hold it for
    a shorter lease, still above the delivery task's hard time limit, so one lost with a dead
    worker is handed on by the every-minute urgent sweep within two minutes."""
    if urgent:
        return int(getattr(settings, "NOTIFICATIONS_URGENT_CLAIM_SECONDS", 50))
    return int(getattr(settings, "NOTIFICATIONS_CLAIM_SECONDS", 300))


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 5))


def retry_delay(attempt: int) -> int:
    """Seconds before attempt `attempt + 1`: 1, 2, 4, 8 ... minutes, at most an hour.

    Always far below the Redis visibility timeout (settings), so a task waiting for its retry is
    never handed out a second time by the broker.
    """
    return int(min(60 * 2 ** max(attempt - 1, 0), 3600))


# --- writing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """One cause for one recipient; becomes an inbox row and an e-mail row."""

    recipient: Recipient
    kind: str
    dedup_key: str
    context: dict[str, Any]
    link: str = ""
    about: tuple[int, int] | None = None  # (content type id, object id)
    attachment: str = ""  # a file name in default storage


def about(obj: Any) -> tuple[int, int] | None:
    """(content type, id) of a model instance; None for anything else (an event from another
    app may hand us an object we cannot point at: the message goes out all the same)."""
    if not isinstance(obj, models.Model) or obj.pk is None:
        return None
    return ContentType.objects.get_for_model(type(obj)).pk, int(obj.pk)


def _rows(message: Message, now: datetime) -> list[outbox.Row]:
    recipient = message.recipient
    subject, body = messages.render(message.kind, recipient.language, message.context)
    ct_id, obj_id = message.about or (None, None)
    common: dict[str, Any] = {
        "recipient_id": recipient.user_id, "kind": message.kind, "language": recipient.language,
        "subject": subject, "body": body, "link": message.link, "content_type_id": ct_id, "object_id": obj_id,
        "dedup_key": message.dedup_key[:200], "created_at": now, "attachment": message.attachment,
    }
    digest = recipient.daily_digest and message.kind not in URGENT_KINDS
    return [
        # The inbox row is delivered the moment it exists.
        outbox.Row(**common, channel=Channel.INBOX, digest=False, sent_at=now),
        outbox.Row(**common, channel=Channel.EMAIL, digest=digest, sent_at=None),
    ]


def notification_create(messages_: Iterable[Message]) -> list[outbox.Inserted]:
    """Write the outbox rows of `messages_` in the caller's transaction; one INSERT for all.

    Rows whose de-duplication key the recipient already has are skipped. New immediate e-mails
    are handed to the broker only after the transaction commits (a rollback sends nothing).
    """
    now = timezone.now()
    rows = [row for message in messages_ for row in _rows(message, now)]
    inserted = outbox.insert(rows)
    ids = [row.id for row in inserted if row.channel == Channel.EMAIL and not row.digest]
    if ids:
        # Imported here: tasks import this module.
        from notifications.tasks import enqueue_deliveries

        transaction.on_commit(partial(enqueue_deliveries, ids), robust=True)
    return inserted


def absolute(link: str) -> str:
    if not link or urlsplit(link).scheme:
        return link
    return settings.NOTIFICATIONS_BASE_URL.rstrip("/") + link


# --- delivery -----------------------------------------------------------------------------
def delivery_claim(*, notification_id: int) -> Notification | None:
    """Take the e-mail row for one attempt, or None when it is sent, failed or held by another."""
    now = timezone.now()
    lease = Case(
        When(kind__in=URGENT_KINDS, then=Value(now + timedelta(seconds=claim_seconds(urgent=True)))),
        default=Value(now + timedelta(seconds=claim_seconds())),
    )
    claimed = Notification.objects.filter(
        NOT_DELIVERED, Q(claimed_until=None) | Q(claimed_until__lte=now), pk=notification_id,
        channel=Channel.EMAIL,
    ).update(claimed_until=lease, attempts=F("attempts") + 1)
    if claimed != 1:
        return None
    return Notification.objects.select_related("recipient").get(pk=notification_id)


def _domain() -> str:
    return urlsplit(settings.NOTIFICATIONS_BASE_URL).hostname or "buddynet.localhost"


def _attachments(notification: Notification) -> list[tuple[str, bytes, str]]:
    if not notification.attachment:
        return []
    with default_storage.open(notification.attachment, "rb") as handle:
        content = handle.read()
    mimetype = "application/pdf" if notification.attachment.lower().endswith(".pdf") else "application/octet-stream"
    return [(PurePath(notification.attachment).name, content, mimetype)]


def sender_headers(*, recipient: Any) -> dict[str, Any]:
    """From and Reply-To of e-mail to `recipient`: on behalf of their organisation when it set a
    sender name or reply-to address (Organisation.email_sender_name/email_reply_to), otherwise
    buddynet's own. The address stays DEFAULT_FROM_EMAIL: only its domain's mail is signed."""
    organisation = organisation_of_user(user=recipient)
    if organisation is None:
        return {}
    headers: dict[str, Any] = {}
    if organisation.email_sender_name:
        _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        headers["from_email"] = formataddr((f"{organisation.email_sender_name} via buddynet", address))
    if organisation.email_reply_to:
        headers["reply_to"] = [organisation.email_reply_to]
    return headers


def build_email(notification: Notification) -> EmailMultiAlternatives:
    context = {"notification": notification, "link": absolute(notification.link),
               "inbox": absolute("/meldingen/")}
    with translation.override(notification.language):
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    email = EmailMultiAlternatives(
        subject=notification.subject, body=text, to=[notification.recipient.email],
        headers={"Message-ID": f"<notification-{notification.pk}@{_domain()}>"},
        **sender_headers(recipient=notification.recipient),
    )
    email.attach_alternative(html, "text/html")
    for name, content, mimetype in _attachments(notification):
        email.attach(name, content, mimetype)
    return email


def delivery_mark_succeeded(*, notification_id: int) -> None:
    Notification.objects.filter(pk=notification_id).update(
        sent_at=timezone.now(), claimed_until=None, last_error="",
    )


def delivery_mark_failed(*, notification_id: int, attempts: int, error: str) -> int | None:
    """Record a failed attempt. Seconds until the retry, or None when it was the last one."""
    now = timezone.now()
    if attempts >= max_attempts():
        Notification.objects.filter(pk=notification_id).update(
            failed_at=now, claimed_until=None, last_error=error[:2000],
        )
        logger.error("notification %s failed after %s attempts: %s", notification_id, attempts, error)
        return None
    delay = retry_delay(attempts)
    # Held until the retry is due: the sweep must not undercut the backoff.
    Notification.objects.filter(pk=notification_id).update(
        claimed_until=now + timedelta(seconds=delay), last_error=error[:2000],
    )
    return delay


def notification_deliver(*, notification_id: int) -> tuple[str, int | None]:
    """One delivery attempt: ("skipped"|"sent"|"retry"|"failed", retry delay)."""
    notification = delivery_claim(notification_id=notification_id)
    if notification is None:
        return "skipped", None
    try:
        email = build_email(notification)
        get_connection(fail_silently=False).send_messages([email])
    except Exception as exc:  # any failure of the mail system is an attempt that failed
        delay = delivery_mark_failed(notification_id=notification.pk, attempts=notification.attempts,
                                error=f"{type(exc).__name__}: {exc}")
        return ("failed", None) if delay is None else ("retry", delay)
    if not _mark_sent(notification_id=notification.pk):
        # SMTP accepted the message but the database would not say so within the claim: the
        # sweep will send it again (the same Message-ID, which mail clients de-duplicate).
        logger.error("notification %s was sent but could not be marked sent", notification.pk)
    return "sent", None


# Seconds between attempts to record a sent e-mail after a database error: 1 + 2 + 4 + 8 = 15 s
# in all, well inside the delivery task's 45 s hard limit and the shortest claim (50 s).
MARK_SENT_BACKOFF = (1, 2, 4, 8)


def _mark_sent(*, notification_id: int) -> bool:
    """Record that SMTP accepted the e-mail, retrying on a fresh connection after a database blip.

    The message is out: if this UPDATE were lost (a terminated connection, a restarting server)
    the claim would expire and the sweep would send it a second time (issue 21 item 11). Not in
    a transaction of ours, so a broken connection can be dropped and reopened.
    """
    for pause in (*MARK_SENT_BACKOFF, None):
        try:
            delivery_mark_succeeded(notification_id=notification_id)
            return True
        except (OperationalError, InterfaceError) as exc:
            if pause is None or connection.in_atomic_block:
                logger.warning("could not mark notification %s sent: %s", notification_id, exc)
                return False
            logger.warning("marking notification %s sent failed (%s); retrying in %s s", notification_id, exc, pause)
            connection.close()  # the next query opens a new connection
            time.sleep(pause)
    return False


def notification_redeliver(*, notification: Notification) -> None:
    """An administrator gives a failed e-mail another round of attempts."""
    Notification.objects.filter(pk=notification.pk, sent_at=None, channel=Channel.EMAIL).update(
        failed_at=None, claimed_until=None, attempts=0,
    )
    from notifications.tasks import enqueue_deliveries

    transaction.on_commit(partial(enqueue_deliveries, [notification.pk]), robust=True)


def undelivered_ids(*, limit: int = 1000, urgent_only: bool = False) -> list[int]:
    """Immediate e-mails nobody is working on: never enqueued (broker down), or lost with a worker.

    Rows younger than the grace period are left to the task enqueued at their commit; urgent
    kinds get a shorter grace (and their own every-minute sweep, `urgent_only`).
    """
    now = timezone.now()
    grace = timedelta(seconds=int(getattr(settings, "NOTIFICATIONS_SWEEP_GRACE_SECONDS", 120)))
    urgent_grace = timedelta(seconds=int(getattr(settings, "NOTIFICATIONS_URGENT_SWEEP_GRACE_SECONDS", 20)))
    old_enough = Q(kind__in=URGENT_KINDS, created_at__lte=now - urgent_grace)
    if not urgent_only:
        old_enough |= Q(created_at__lte=now - grace)
    return list(
        Notification.objects.filter(NOT_DELIVERED, channel=Channel.EMAIL, digest=False)
        .filter(old_enough)
        .filter(Q(claimed_until=None) | Q(claimed_until__lte=now))
        .order_by("created_at", "id").values_list("pk", flat=True)[:limit]
    )


# --- daily digest -------------------------------------------------------------------------
def digest_recipient_ids() -> list[int]:
    return list(
        Notification.objects.filter(NOT_DELIVERED, channel=Channel.EMAIL, digest=True)
        .order_by("recipient_id").values_list("recipient_id", flat=True).distinct()
    )


def digest_deliver(*, user_id: int) -> int:
    """Send one e-mail with all of a user's waiting digest items; the number of items sent."""
    now = timezone.now()
    with transaction.atomic():
        # skip_locked on PostgreSQL: two digest tasks for one user split nothing and wait for
        # nothing; SQLite runs transactions IMMEDIATE, which serialises them anyway.
        items = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(NOT_DELIVERED, recipient_id=user_id, channel=Channel.EMAIL, digest=True)
            .filter(Q(claimed_until=None) | Q(claimed_until__lte=now))
            .select_related("recipient").order_by("created_at", "id")
        )
        if not items:
            return 0
        ids = [item.pk for item in items]
        Notification.objects.filter(pk__in=ids).update(
            claimed_until=now + timedelta(seconds=claim_seconds()), attempts=F("attempts") + 1,
        )
    user = items[0].recipient
    language = items[0].language
    context = {"items": items, "inbox": absolute("/meldingen/"), "base": absolute("")}
    try:
        with translation.override(language):
            subject = translation.gettext("Your buddynet summary: %(count)s new") % {"count": len(items)}
            text = render_to_string("notifications/email/digest.txt", context)
            html = render_to_string("notifications/email/digest.html", context)
        email = EmailMultiAlternatives(
            subject=subject, body=text, to=[user.email],
            headers={"Message-ID": f"<digest-{user_id}-{ids[0]}-{len(ids)}@{_domain()}>"},
            **sender_headers(recipient=user),
        )
        email.attach_alternative(html, "text/html")
        get_connection(fail_silently=False).send_messages([email])
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        # Released for the next day's digest; after the last attempt marked failed.
        failed = Notification.objects.filter(pk__in=ids, attempts__gte=max_attempts())
        failed.update(failed_at=timezone.now(), claimed_until=None, last_error=error)
        Notification.objects.filter(pk__in=ids, failed_at=None).update(claimed_until=None, last_error=error)
        raise
    Notification.objects.filter(pk__in=ids).update(sent_at=timezone.now(), claimed_until=None, last_error="")
    return len(ids)


# --- the inbox ----------------------------------------------------------------------------
@transaction.atomic
def inbox_mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:  # selectors already scope; never trust one layer
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=notification.read_at)
    return notification


@transaction.atomic
def inbox_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX, read_at=None).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preference_set(*, user: User, email_frequency: str) -> Preference:
    if email_frequency not in Frequency.values:
        raise ValueError(email_frequency)
    preference, _ = Preference.objects.update_or_create(user=user, defaults={"email_frequency": email_frequency})
    return preference


# --- a project's follow-up settings (issue 16) -------------------------------------------------
RULE_FIELDS = ("first_month_days", "first_month_min_check_ins", "new_duo_days", "screening_warn_days",
               "planned_end_warn_days", "obligation_warn_days")
# The contact cadence lives on the project (people.Project): one place for the rules, the
# coordinator's "Today" page and the funder's figures alike.
PROJECT_FIELDS = ("contact_cadence_days", "quiet_alert_days")
AFTERCARE_FIELDS = ("contact_months", "closure_map", "interim_map_months")


def project_rules_problems(*, rules: ProjectRules) -> dict[str, Any]:
    """What is wrong with these thresholds (field -> message); the back office's form asks too."""
    errors: dict[str, Any] = {}
    try:
        rules.full_clean(exclude=["project", "disabled_kinds"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not isinstance(rules.disabled_kinds, list) or any(k not in RULE_KINDS for k in rules.disabled_kinds):
        errors["disabled_kinds"] = _("Only these rules can be switched off: %(kinds)s.") % {
            "kinds": ", ".join(RULE_KINDS)}
    if "first_month_min_check_ins" not in errors and "first_month_days" not in errors and (
            rules.first_month_min_check_ins > rules.first_month_days):
        errors["first_month_min_check_ins"] = _("The first month has %(days)d days: ask at most as many contacts.") % {
            "days": rules.first_month_days}
    return errors


@transaction.atomic
def project_rules_save(*, project: Project, by: User, data: dict[str, Any]) -> ProjectRules:
    """A project's follow-up settings in one go: the notification rules switched off and their day
    thresholds (ProjectRules), the project's contact cadence and days of silence, and its aftercare
    rules (aftercare.services, its own rule). All or nothing: any field in error saves none, and
    every error is answered at once (field -> message).

    Rules across fields: the coordinator's silence alert does not come before the volunteer's
    reminder (quiet_alert_days >= contact_cadence_days), and the first month asks no more contacts
    than it has days. `disabled_kinds` holds only kinds of the time-based rules (models.RULE_KINDS)."""
    from buddynet.errors import InvalidInput, NotAllowed
    from buddynet.features.aftercare import services as aftercare_services
    from buddynet.records.people import services as people_services
    from buddynet.records.people.models import Project

    if not may_change_project_settings(user=by, project=project):
        raise NotAllowed(_("Only the organisation's administrator or the project's coordinators can change these "
                           "settings."))
    errors: dict[str, Any] = {}
    rules = ProjectRules.objects.select_for_update().filter(project_id=project.pk).first()
    rules = rules or ProjectRules(project_id=project.pk)
    if "disabled_kinds" in data:
        kinds = data["disabled_kinds"]
        if not isinstance(kinds, list | tuple | set | frozenset) or not all(isinstance(k, str) for k in kinds):
            errors["disabled_kinds"] = _("Only these rules can be switched off: %(kinds)s.") % {
                "kinds": ", ".join(RULE_KINDS)}
        else:  # the page's order, no repeats (an unknown kind is answered by project_rules_problems)
            order = {kind: i for i, kind in enumerate(RULE_KINDS)}
            rules.disabled_kinds = sorted(set(kinds), key=lambda k: (order.get(k, len(order)), k))
    for name in RULE_FIELDS:
        if name in data:
            setattr(rules, name, data[name])
    errors = {**project_rules_problems(rules=rules), **errors}
    row = Project.objects.select_for_update().get(pk=project.pk)
    changes = {name: data[name] for name in PROJECT_FIELDS if name in data}
    for name, value in changes.items():
        setattr(row, name, value)
    try:  # Project.clean() holds the rule across the two (quiet alert after the reminder)
        row.full_clean(exclude=[f.name for f in Project._meta.fields if f.name not in PROJECT_FIELDS])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    aftercare = {name: data[name] for name in AFTERCARE_FIELDS if name in data}
    if aftercare:  # checked also when other fields are wrong: every error at once (then rolled back)
        try:
            aftercare_services.aftercare_settings_save(project_id=project.pk, by=by, data=aftercare)
        except InvalidInput as exc:
            errors.update(exc.message if isinstance(exc.message, dict) else {"contact_months": exc.message})
    if errors:
        # Raised out of this atomic block: whatever was written above is rolled back with it.
        raise InvalidInput(errors)
    if changes:
        people_services.project_save(project=row, data=changes)
    rules.save()
    return rules
