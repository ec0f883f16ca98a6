"""Where each notification points: the page its recipient works on, never the admin.

One function per kind of page, so the rules and the event listeners agree, and one test
(tests/notifications/test_links.py) opens every link as its recipient. A coordinator lands on
the coordinator pages (buddynet/web/coordinator_urls.py), a volunteer on their own duo
(buddynet/web/volunteer_urls.py), a funder in the funder portal (buddynet/features/funding/urls.py).
Paths only: the e-mail makes them absolute (services.absolute).
"""

from __future__ import annotations

from django.urls import reverse


def coordinator_duo(duo_id: int) -> str:
    return reverse("web:coordinator-duo", args=[duo_id])


def coordinator_volunteer(volunteer_id: int) -> str:
    return reverse("web:coordinator-volunteer", args=[volunteer_id])


def concern(*, participant_id: int, check_in_id: int) -> str:
    # The participant page lists the check-ins (anchor check-in-<id>) with the button that marks
    # a concern as handled: where the follow-up happens.
    # ?check_in= opens the page of the timeline that shows it (20 check-ins a page, newest first).
    url = reverse("web:coordinator-participant", args=[participant_id])
    return f"{url}?check_in={check_in_id}#check-in-{check_in_id}"


def volunteer_duo(duo_id: int) -> str:
    return reverse("web:volunteer-duo", args=[duo_id])


def match_run(run_id: int) -> str:
    return reverse("matching:run", args=[run_id])


def grant(grant_id: int) -> str:
    """The coordinator's grant page: its reporting obligations, expenses and reports."""
    return reverse("funding:grant", args=[grant_id])


def report(report_id: int) -> str:
    """A progress report; a funder may open it once it is signed off (when they are told of it)."""
    return reverse("funding:report", args=[report_id])


def funder_portal() -> str:
    """The funder's start page: their projects' traffic lights, reports due and overdue included."""
    return reverse("funding:portal")


def allowances(*, project_id: int, year: int) -> str:
    return reverse("funding:allowances", args=[project_id]) + f"?year={year}"


def aftercare_item(*, participant_id: int, item_id: int) -> str:
    """The participant's aftercare (buddynet/features/aftercare), at the item to log."""
    return reverse("aftercare:participant", args=[participant_id]) + f"#item-{item_id}"


def participant_maps(participant_id: int) -> str:
    return reverse("netwerk:participant-maps", args=[participant_id])


def referral(*, participant_id: int, referral_id: int) -> str:
    """The participant's referrals, at the one whose outcome is asked."""
    return reverse("aftercare:participant-referrals", args=[participant_id]) + f"#referral-{referral_id}"
