"""Support access (issue 16): the platform administrator reads no participant record of an
organisation unless that organisation's administrator granted a logged, time-limited support
access. Granting and ending one are the services here; the rows are the log (never deleted by
the application, and audited by django-auditlog: security/audit.py), and every participant
record read under it is in the access log like any other read.

What it opens: the participant records (people.selectors.participants_for_user) of the
organisation's projects, for every platform administrator, until `until` or until ended.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.records.accounts.models import SupportAccess, User
from buddynet.records.accounts.selectors import roles_of

log = logging.getLogger(__name__)


def _check_org_admin(*, by: User, organisation_id: int) -> None:
    if organisation_id not in roles_of(by).administered_organisation_ids:
        raise NotAllowed(_("Only an administrator of this organisation can grant or end support access."))


@transaction.atomic
def support_access_grant(*, organisation: Any, by: User, until: dt.datetime, reason: str) -> SupportAccess:
    _check_org_admin(by=by, organisation_id=organisation.pk)
    now = timezone.now()
    errors: dict[str, Any] = {}
    if not reason.strip():
        errors["reason"] = _("Say why the platform administrator needs access.")
    if until <= now:
        errors["until"] = _("Choose a moment in the future.")
    elif until > now + dt.timedelta(days=settings.SUPPORT_ACCESS_MAX_DAYS):
        errors["until"] = _("Support access lasts at most %(days)d days.") % {"days": settings.SUPPORT_ACCESS_MAX_DAYS}
    if errors:
        raise InvalidInput(errors)
    grant = SupportAccess.objects.create(organisation=organisation, granted_by=by, until=until,
                                         reason=reason.strip(), granted_at=now)
    log.info("support access %s to organisation %s granted by user %s until %s", grant.pk, organisation.pk,
             by.pk, until.isoformat())
    return grant


@transaction.atomic
def support_access_end(*, grant: SupportAccess, by: User) -> SupportAccess:
    _check_org_admin(by=by, organisation_id=grant.organisation_id)
    grant = SupportAccess.objects.select_for_update().get(pk=grant.pk)
    now = timezone.now()
    if grant.revoked_at is not None or grant.until <= now:
        raise Conflict(_("This support access has already ended."))
    grant.revoked_at, grant.revoked_by = now, by
    grant.save(update_fields=["revoked_at", "revoked_by"])
    log.info("support access %s ended by user %s", grant.pk, by.pk)
    return grant
