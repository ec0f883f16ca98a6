"""The participant's own story (issue 17): one A4 page in Dutch that a coordinator prints to talk
it through with the participant — their network picture, their goals, their last contacts.

Only what the participant may see of themselves: no check-in notes or concerns (the volunteer
wrote those for the coordinator), the buddy by first name. The network picture is drawn only when
the consent covers network maps. The page holds at most MAX_GOALS goals and MAX_CONTACTS contacts,
so it stays one page (tests/web/test_participant_story.py counts the pages).
"""

from __future__ import annotations

import base64
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from buddynet import formats
from buddynet import vocabulary as v
from buddynet.pdf import pdf_bytes
from buddynet.records.accounts.types import Actor
from buddynet.records.duos.models import Goal
from buddynet.records.duos.selectors import check_ins_for_user, duos_for_user
from buddynet.records.people.models import Participant
from buddynet.web.coordinator.views import _participant, coordinator_required
from netwerk.selectors import map_picture_svg, maps_of_participant
from netwerk.services import network_consent_problem

MAX_GOALS = 8
MAX_CONTACTS = 6


def story_context(user: Actor, person: Participant) -> dict[str, Any]:
    duos = list(duos_for_user(user=user, role="coordinator").filter(participant=person)
                .select_related("volunteer").prefetch_related("goals").order_by("-proposed_on", "-id"))
    goals = [g for duo in duos for g in duo.goals.all()]
    goals.sort(key=lambda g: (g.status != Goal.Status.OPEN, g.status != Goal.Status.ACHIEVED, -g.pk))
    contacts = list(check_ins_for_user(user=user, role="coordinator").filter(duo__participant=person)
                    .select_related("duo__volunteer").order_by("-date", "-id")[:MAX_CONTACTS])
    picture = None
    maps = maps_of_participant(participant_id=person.pk)
    if maps and network_consent_problem(person) is None:
        svg = map_picture_svg(network_map=maps[-1])
        picture = {"src": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii"),
                   "date": formats.short_date(maps[-1].date)}
    domains = dict(v.LifeDomain.choices)
    open_duo = next((d for d in duos if d.is_open), None)
    return {
        "person": person,
        "printed_on": formats.short_date(timezone.localdate()),
        "buddy": open_duo.volunteer.first_name if open_duo else None,
        "since": formats.short_date(open_duo.started_on or open_duo.proposed_on) if open_duo else None,
        "picture": picture,
        "goals": [{"domain": domains.get(g.life_domain, g.life_domain), "text": g.description,
                   "status": g.get_status_display(), "achieved": g.status == Goal.Status.ACHIEVED}
                  for g in goals[:MAX_GOALS]],
        "more_goals": max(0, len(goals) - MAX_GOALS),
        "contacts": [{"date": formats.short_date(c.date), "mode": c.get_mode_display(),
                      "minutes": c.duration_minutes, "with": c.duo.volunteer.first_name,
                      "domains": ", ".join(str(domains.get(d, d)) for d in (c.life_domains or []))}
                     for c in contacts],
    }


def story_html(user: Actor, person: Participant) -> str:
    with translation.override("nl"):
        return render_to_string("web/coordinator/story_pdf.html", story_context(user, person))


@coordinator_required
def participant_story(request: HttpRequest, participant_id: int) -> HttpResponse:
    person = _participant(request, participant_id)
    response = HttpResponse(pdf_bytes(story_html(request.user, person)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="verhaal-{person.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
