"""Traffic lights of the funder portal: a state, a direction and a reason for each light.

A light is published as plain data (frozen with the portfolio numbers) — a state (green, amber,
red), a reason code and the figures the reason is about; the sentence is written in the reader's
language when the report is shown (render.labelled), so the numbers stay language-neutral.

- spend: the spending projected to the end of the grant (spending so far divided by the share
  of the period elapsed) against the grant. Ahead of time is a risk of overspending, behind a
  risk of underspending: each has its own thresholds and its own sentence. Before
  `spend_min_elapsed` of the period has passed, one early payment would swing the projection,
  so the light stays green and says so.
- reports: the oldest overdue report, in days.
- quiet: the share of active duos without a contact for longer than the project's quiet-alert
  days. Counts below 5 are never published: the sentence then says there are too few duos.

Thresholds: DEFAULTS, overridden per funder (by name) in settings.FUNDING_LIGHTS (JSON).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS: dict[str, float] = {
    # projected / granted − 1 above which spending is ahead (amber, red)
    "spend_ahead_amber": 0.05,
    "spend_ahead_red": 0.15,
    # 1 − projected / granted above which spending is behind (amber, red)
    "spend_behind_amber": 0.15,
    "spend_behind_red": 0.30,
    # share of the grant period before which the spending light is not judged
    "spend_min_elapsed": 0.10,
    # days the oldest report is overdue: amber from the first day, red after this many
    "reports_red_days": 30,
    # share of active duos that are quiet (amber, red)
    "quiet_amber": 0.10,
    "quiet_red": 0.25,
}
SMALL = 5


def _configured() -> dict[str, dict[str, float]]:
    raw = getattr(settings, "FUNDING_LIGHTS", "{}") or "{}"
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise ImproperlyConfigured(f"FUNDING_LIGHTS is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ImproperlyConfigured("FUNDING_LIGHTS must be a JSON object of funder name → thresholds")
    for funder, values in data.items():
        if not isinstance(values, dict):
            raise ImproperlyConfigured(f"FUNDING_LIGHTS[{funder!r}] must be an object")
        for key, value in values.items():
            if key not in DEFAULTS:
                raise ImproperlyConfigured(f"FUNDING_LIGHTS[{funder!r}]: unknown threshold {key!r}")
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 10:
                raise ImproperlyConfigured(f"FUNDING_LIGHTS[{funder!r}][{key!r}] must be a number in 0..10")
    return data


def thresholds_for(funder_name: str) -> dict[str, float]:
    """The defaults, with what the settings say for this funder (or for "*", every funder)."""
    configured = _configured()
    return {**DEFAULTS, **configured.get("*", {}), **configured.get(funder_name, {})}


def _state(excess: float, amber: float, red: float) -> str:
    excess = round(excess, 6)  # 1.05 − 1 is 0.0500000000000000444 in floating point: on the line, not over it
    return "red" if excess > red else "amber" if excess > amber else "green"


def spend_light(*, spent: float, amount: float, elapsed: float, t: dict[str, float]) -> dict[str, Any]:
    figures = {"spent_share": round(spent / amount, 3) if amount else 0.0, "elapsed": round(elapsed, 3),
               "amount": round(amount, 2)}
    if elapsed < t["spend_min_elapsed"] or elapsed <= 0:
        return {"state": "green", "reason": "spend_early", **figures}
    projected = spent / elapsed
    figures["projected"] = round(projected, 2)
    ratio = projected / amount if amount else 0.0
    if ratio > 1:
        state = _state(ratio - 1, t["spend_ahead_amber"], t["spend_ahead_red"])
        return {"state": state, "reason": "spend_ahead" if state != "green" else "spend_on_schedule", **figures}
    state = _state(1 - ratio, t["spend_behind_amber"], t["spend_behind_red"])
    return {"state": state, "reason": "spend_behind" if state != "green" else "spend_on_schedule", **figures}


def reports_light(*, overdue: int, oldest_days: int, t: dict[str, float]) -> dict[str, Any]:
    if overdue <= 0:
        return {"state": "green", "reason": "reports_none_overdue"}
    state = "red" if oldest_days > t["reports_red_days"] else "amber"
    return {"state": state, "reason": "reports_overdue", "overdue": overdue, "days": oldest_days}


def quiet_light(*, quiet: int, active: int, t: dict[str, float]) -> dict[str, Any]:
    share = quiet / active if active else 0.0
    state = "red" if share >= t["quiet_red"] else "amber" if share >= t["quiet_amber"] else "green"
    if active == 0:
        return {"state": "green", "reason": "quiet_no_duos"}
    if active < SMALL:  # the colour says whether any is quiet; the sentence gives no count
        return {"state": state, "reason": "quiet_too_few_some" if quiet else "quiet_too_few"}
    return {"state": state, "reason": "quiet_share", "share": round(share, 3)}


def lights(*, funder_name: str, spent: float, amount: float, elapsed: float, overdue: int, oldest_days: int,
           quiet: int, active: int) -> dict[str, dict[str, Any]]:
    t = thresholds_for(funder_name)
    return {
        "spend": spend_light(spent=spent, amount=amount, elapsed=elapsed, t=t),
        "reports": reports_light(overdue=overdue, oldest_days=oldest_days, t=t),
        "quiet": quiet_light(quiet=quiet, active=active, t=t),
    }
