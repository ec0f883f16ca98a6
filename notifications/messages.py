"""What each kind of notification says: subject and body in the recipient's language.

English msgids, Dutch in notifications/locale. Rendered once, when the row is written, so the
outbox holds exactly what the person will read (and an administrator can see it in the admin).
Privacy: a funder's message never names a participant; a volunteer's names only their buddy's
first name; a concern's note stays inside buddynet (e-mail leaves the building).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _

from buddynet.formats import money
from notifications.models import Kind


def _day(value: Any) -> str:
    return formats.date_format(value, "DATE_FORMAT") if isinstance(value, date) else value


def _texts(kind: str, c: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) for `kind`, in the active language. `c` holds plain values only."""
    if kind == Kind.CHECK_IN_REMINDER:
        return (
            _("How is it going with %(buddy)s?") % c,
            _("Your last contact with %(buddy)s that we know of was on %(last)s. Did you meet since? "
              "Log it in buddynet in half a minute — it helps your coordinator support you both.") % c,
        )
    if kind == Kind.MEETING_TOMORROW:
        return (
            _("Tomorrow you meet %(buddy)s") % c,
            _("A reminder: your next meeting with %(buddy)s is planned for tomorrow, %(on)s.") % c,
        )
    if kind == Kind.CONCERN_HANDLED:
        subject = _("Your concern was followed up") % c
        if c.get("answered"):  # the answer itself stays in buddynet (encrypted), never in a mail
            return subject, _("%(coordinator)s followed up the concern you shared on %(on)s about %(buddy)s "
                              "and wrote you an answer. Open buddynet to read it.") % c
        return subject, _("%(coordinator)s followed up the concern you shared on %(on)s about %(buddy)s.") % c
    if kind == Kind.CONCERN_RAISED:
        return (
            _("Concern raised about the duo %(duo)s") % c,
            _("%(volunteer)s raised a concern on the check-in of %(on)s for the duo %(duo)s. "
              "Open buddynet to read it and follow it up.") % c,
        )
    if kind == Kind.DUO_QUIET and c.get("first_month"):
        return (
            _("The duo %(duo)s had a slow first month") % c,
            _("The duo %(duo)s started on %(started)s and logged %(count)s of the %(minimum)s contacts "
              "expected in its first month. A call to the volunteer may help.") % c,
        )
    if kind == Kind.DUO_QUIET:
        return (
            _("The duo %(duo)s has gone quiet") % c,
            _("No contact has been logged for the duo %(duo)s since %(last)s (%(days)s days). "
              "A call to the volunteer may help.") % c,
        )
    if kind == Kind.NEW_DUO_NO_CHECK_IN:
        return (
            _("No check-in yet for the new duo %(duo)s") % c,
            _("The duo %(duo)s was introduced on %(introduced)s and has not logged a contact since.") % c,
        )
    if kind == Kind.SCREENING_EXPIRING:
        return (
            _("Screening of %(volunteer)s expires on %(expires)s") % c,
            _("The criminal record extract (model 2) of %(volunteer)s was checked on %(checked)s and is "
              "valid until %(expires)s. Ask for a new extract in time.") % c,
        )
    if kind == Kind.SCREENING_EXPIRED:
        return (
            _("Screening of %(volunteer)s expired today") % c,
            _("The criminal record extract (model 2) of %(volunteer)s, checked on %(checked)s, is no longer "
              "valid from today (%(expires)s). Until a new extract is recorded, %(volunteer)s is left out of "
              "match runs and cannot get a new duo.") % c,
        )
    if kind == Kind.DUO_ENDING:
        return (
            _("The duo %(duo)s reaches its planned end on %(end)s") % c,
            _("The duo %(duo)s is planned to end on %(end)s. Time to plan the closing conversation: "
              "continue, refer, or close well.") % c,
        )
    if kind == Kind.MATCH_RUN_FINISHED:
        return (
            _("Match run %(run)s finished: %(status)s") % c,
            _("The match run %(run)s for %(project)s has finished with status %(status)s. "
              "Review its proposals in buddynet.") % c,
        )
    if kind == Kind.ALLOWANCE_CAP:
        return (
            _("%(volunteer)s nears the yearly allowance cap") % c,
            _("%(volunteer)s has received volunteer allowances for %(days)s days (%(amount)s) in "
              "%(year)s, close to the legal yearly cap.") % {**c, "amount": money(c.get("amount"))},
        )
    if kind == Kind.AFTERCARE_DUE and c.get("closure_map"):
        return (
            _("Closure network map for %(participant)s") % c,
            _("The duo %(duo)s closed on %(closed)s without a closure network map. Draw the map with "
              "%(participant)s, so the change in their network can be shown.") % c,
        )
    if kind == Kind.AFTERCARE_DUE:
        return (
            _("Aftercare contact with %(participant)s") % c,
            _("The duo %(duo)s closed on %(closed)s. An aftercare contact with %(participant)s is planned "
              "for %(due)s: ask how things are going, and log the contact in buddynet.") % c,
        )
    if kind == Kind.NETWORK_MAP_DUE:
        return (
            _("Interim network map for %(participant)s") % c,
            _("The last network map of %(participant)s (duo %(duo)s) dates from %(last)s. The project "
              "asks for a new map every %(months)s months.") % c,
        )
    if kind == Kind.REFERRAL_OUTCOME_DUE:
        return (
            _("What came of the referral of %(participant)s?") % c,
            _("%(participant)s was referred to %(service)s on %(on)s. Fill in the outcome in buddynet.") % c,
        )
    if kind == Kind.PAIRING_FIT_POOR and c.get("side") == "volunteer":
        return (
            _("The duo %(duo)s does not click yet") % c,
            _("After the first meeting of the duo %(duo)s, the volunteer answered that it does not click "
              "(%(on)s). A conversation may help.") % c,
        )
    if kind == Kind.PAIRING_FIT_POOR:
        return (
            _("The duo %(duo)s does not click yet") % c,
            _("After the first meeting of the duo %(duo)s, the participant answered that it does not click "
              "(%(on)s). A conversation may help.") % c,
        )
    if kind == Kind.OBLIGATION_DUE:
        return (
            _("Report for %(project)s due on %(due)s") % c,
            _("%(what)s for %(project)s (%(funder)s): due on %(due)s.") % c,
        )
    if kind == Kind.OBLIGATION_OVERDUE:
        return (
            _("Report for %(project)s is overdue") % c,
            _("%(what)s for %(project)s (%(funder)s): due on %(due)s and not yet submitted.") % c,
        )
    if kind == Kind.REPORT_FROZEN:
        return (
            _("Progress report: %(project)s") % c,
            _("The progress report of %(project)s for %(funder)s has been signed off. "
              "You find it attached (PDF) and in buddynet.") % c,
        )
    if kind == Kind.REPORT_APPROVED:
        return (
            _("Progress report approved: %(project)s") % c,
            _("%(funder)s approved version %(version)s of the progress report of %(project)s.") % c
            + (" " + _("Their comment: “%(comment)s”") % c if c.get("comment") else ""),
        )
    if kind == Kind.REPORT_COMPLETION_REQUESTED:
        return (
            _("%(funder)s asks to complete the report of %(project)s") % c,
            _("%(funder)s asks to complete version %(version)s of the progress report of %(project)s: "
              "“%(comment)s”. A new version is open in buddynet for you to complete and sign off.") % c,
        )
    raise ValueError(f"no message for kind {kind!r}")


def render(kind: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and body of `kind` in `language` (dates formatted the way that language writes them)."""
    with translation.override(language):
        values = {k: _day(v) for k, v in context.items()}
        subject, body = _texts(kind, values)
    return subject[:200], body
