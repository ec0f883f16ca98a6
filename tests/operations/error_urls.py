"""A page that fails the way a real one could: with a note, a name and an address in play."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.urls import path

from buddynet.records.people.models import Participant

logger = logging.getLogger("buddynet.web")


def save_note(request: HttpRequest, participant_id: int) -> HttpResponse:
    participant = Participant.objects.get(pk=participant_id)
    note = request.POST["note"]
    email = request.POST["email"]
    logger.warning("could not notify %s about %s", participant.first_name, note)
    raise RuntimeError(f"mail to {email} refused for participant {participant_id}")


urlpatterns = [path("notes/<int:participant_id>/", save_note)]
