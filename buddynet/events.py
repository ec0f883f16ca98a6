"""Named domain events: the one place where records tell the engines what happened.

Services call these inside the transaction of the change; subscribers (the notifications
engine, from its AppConfig.ready) run in that same transaction, so an outbox row is written
together with the change or not at all. Each event is a plain function with typed
arguments — grep for its name to find who emits and who listens.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from buddynet.records.duos.models import CheckIn, Duo

_subscribers: dict[str, list[Callable[..., None]]] = defaultdict(list)

EVENTS = (
    "check_in_recorded",
    "barrier_met",
    "concern_raised",
    "concern_handled",
    "duo_status_changed",
    "match_run_finished",
    "report_frozen",
    "report_answered",
    "allowance_cap_approaching",
    "pairing_fit_poor",
)


def subscribe(event: str, handler: Callable[..., None]) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; known: {', '.join(EVENTS)}")
    if handler not in _subscribers[event]:
        _subscribers[event].append(handler)


def _emit(event: str, **payload: Any) -> None:
    for handler in _subscribers[event]:
        handler(**payload)


def check_in_recorded(check_in: CheckIn) -> None:
    _emit("check_in_recorded", check_in=check_in)


def barrier_met(check_in: CheckIn, barrier: dict[str, Any]) -> None:
    """A check-in says "we met a barrier" (life_domain, barrier_type code, description); the
    signals feature stores it as a barrier signal in the check-in's transaction."""
    _emit("barrier_met", check_in=check_in, barrier=barrier)


def concern_raised(check_in: CheckIn) -> None:
    """A volunteer flagged a worry on a check-in; the coordinator must hear at once."""
    _emit("concern_raised", check_in=check_in)


def concern_handled(check_in: CheckIn) -> None:
    """A coordinator followed up a volunteer's worry; the volunteer hears back."""
    _emit("concern_handled", check_in=check_in)


def duo_status_changed(duo: Duo, previous: str) -> None:
    _emit("duo_status_changed", duo=duo, previous=previous)


def match_run_finished(run: Any) -> None:
    """A match run (matching.models.MatchRun) finished, successfully or not; its coordinators hear."""
    _emit("match_run_finished", run=run)


def report_frozen(report: Any) -> None:
    """A progress report (funding) was signed off and frozen; the funder receives it (PDF)."""
    _emit("report_frozen", report=report)


def report_answered(report: Any) -> None:
    """A funder answered a signed-off progress report (funding): approved, or completion requested
    (then the next version exists as report.next_version); the project's coordinators hear."""
    _emit("report_answered", report=report)


def allowance_cap_approaching(volunteer: Any, year: int, days: int, amount: Any) -> None:
    """A volunteer's flat-rate allowance for `year` nears the legal yearly cap (funding)."""
    _emit("allowance_cap_approaching", volunteer=volunteer, year=year, days=days, amount=amount)


def pairing_fit_poor(evaluation: Any) -> None:
    """After the first meeting, the participant or the volunteer answered that it does not click
    (aftercare.Evaluation, issue 18); the coordinator hears once per duo."""
    _emit("pairing_fit_poor", evaluation=evaluation)
