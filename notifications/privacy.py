"""notifications' part in erasure (registered in apps.py): messages may repeat a person's name."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from buddynet import privacy
from notifications.models import Notification


def notifications_anonymise(erasure: privacy.Erasure) -> None:
    """Notifications about the person's records, or to their own account, get every name replaced
    by the person's code."""
    about = Q(pk__in=[])
    for model, ids in erasure.records:
        if ids:
            about |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    if erasure.user is not None:
        about |= Q(recipient=erasure.user)
    for n in Notification.objects.filter(about):
        n.subject = erasure.replace_names(n.subject)[:200]
        n.body = erasure.replace_names(n.body)
        n.save(update_fields=["subject", "body"])


HANDLERS = privacy.Handlers(
    anonymise_participant=notifications_anonymise,
    anonymise_volunteer=notifications_anonymise,
)
