"""Screening is a rule, not a label (issue 16): one place that says whether a volunteer may be
matched and get a new duo today, and if not, why.

A volunteer is screened when the intake interview, the basic training and a criminal-record
extract (model 2) are recorded, and the extract is younger than the project's
`screening_valid_months` (36 by default). The matcher's pool (matching/services.py), duo
creation (duos/services.py duo_proposal_check), the volunteer's status (people/services.py
volunteer_save), the volunteer's page and the notification rules all ask this module.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from buddynet.dates import add_months

if TYPE_CHECKING:
    from buddynet.records.people.models import Volunteer

DEFAULT_VALID_MONTHS = 36


def extract_valid_until(checked_on: date | None, valid_months: int) -> date | None:
    """The first day on which the extract checked on `checked_on` no longer counts.

    A day the target month lacks becomes its last day (31 May + 1 month = 30 June), as the
    notification rules have always done (buddynet/dates.py)."""
    if checked_on is None:
        return None
    return add_months(checked_on, valid_months)


def problems_of(
    *, intake_date: date | None, training_date: date | None, criminal_record_checked_on: date | None,
    valid_months: int, today: date,
) -> list[str]:
    """Why a volunteer with these dates is not screened on `today` (empty: screened). Plain
    values, so the matcher can ask it for rows it loaded with .values()."""
    problems = []
    if intake_date is None:
        problems.append(_("The intake interview is not recorded."))
    if training_date is None:
        problems.append(_("The basic training is not recorded."))
    if criminal_record_checked_on is None:
        problems.append(_("No criminal record extract (model 2) is recorded."))
    else:
        until = extract_valid_until(criminal_record_checked_on, valid_months)
        assert until is not None
        if until <= today:
            problems.append(
                _("The criminal record extract (model 2) of %(checked)s expired on %(until)s: ask for a new one.")
                % {"checked": criminal_record_checked_on.strftime("%d/%m/%Y"), "until": until.strftime("%d/%m/%Y")}
            )
    return problems


def screening_problems(volunteer: Volunteer, *, today: date | None = None) -> list[str]:
    """Why this volunteer may not be matched or get a new duo today (empty: they may)."""
    return problems_of(
        intake_date=volunteer.intake_date, training_date=volunteer.training_date,
        criminal_record_checked_on=volunteer.criminal_record_checked_on,
        valid_months=volunteer.project.screening_valid_months if volunteer.project_id else DEFAULT_VALID_MONTHS,
        today=today or timezone.localdate(),
    )
