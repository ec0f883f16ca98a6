"""The volunteer's account from the coordinator's page: invite, send the invitation again.

Both are POST-only buttons on the volunteer's page (web/coordinator/volunteer.html, section
"account"); the rules are buddynet.records.accounts.invitations'. A refusal shows the volunteer's page
again with the reason and the service's status (400 or 409), nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buddynet.errors import ServiceError
from buddynet.records.accounts import invitations
from buddynet.web.coordinator.views import _volunteer, coordinator_required
from buddynet.web.coordinator.views import volunteer as volunteer_page


def _refused(request: HttpRequest, volunteer_id: int, error: ServiceError) -> HttpResponse:
    message = error.message
    texts = [str(v) for v in message.values()] if isinstance(message, dict) else [str(message)]
    for text in texts:
        messages.error(request, text)
    response = volunteer_page(request, volunteer_id)
    response.status_code = error.status_code
    return response


def _act(request: HttpRequest, volunteer_id: int, action: Callable[..., Any], done: str) -> HttpResponse:
    person = _volunteer(request, volunteer_id)
    try:
        action(volunteer=person, by=request.user,
               login_url=request.build_absolute_uri(reverse("web:volunteer-invitation")))
    except ServiceError as error:
        return _refused(request, volunteer_id, error)
    messages.success(request, done % {"email": person.email})
    return redirect(f"{reverse('web:coordinator-volunteer', args=[person.pk])}#account")


@coordinator_required
@require_POST
def volunteer_invite(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    return _act(request, volunteer_id, invitations.invitation_send,
                _("Invitation sent to %(email)s. The volunteer signs in with the link in it."))


@coordinator_required
@require_POST
def volunteer_invite_again(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    return _act(request, volunteer_id, invitations.invitation_resend, _("A new invitation was sent to %(email)s."))
