"""The words for engine codes (criteria, why-unmatched reasons), in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from buddynet.vocabulary import LANGUAGES
from matching.engine import model

CRITERION_LABELS = {
    "distance": gettext_lazy("Distance"),
    "languages": gettext_lazy("Shared languages"),
    "availability": gettext_lazy("Common time slots"),
    "interests": gettext_lazy("Shared interests"),
    "age": gettext_lazy("Age preference"),
    "needs": gettext_lazy("Needs × strengths"),
    "network": gettext_lazy("Network complementarity"),
    "waiting": gettext_lazy("Waiting time"),
}


def _languages(codes: list[str]) -> str:
    names = [str(LANGUAGES.get(code, code)) for code in codes]
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s or %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def why_unmatched(reason: str, params: dict[str, Any]) -> str:
    """One sentence a coordinator can act on, e.g. "No volunteer within 10 km speaks Arabic."."""
    count = int(params.get("count", 0))
    km = params.get("km", 0)
    if reason == model.NO_CONSENT:
        return _("No consent has been recorded for this participant.")
    if reason == model.NO_LOCATION:
        return _("The participant's postcode has no known location.")
    if reason == model.NO_VOLUNTEER_NEARBY:
        return _("No volunteer lives within travel distance (up to %(km)s km).") % {"km": km}
    if reason == model.NO_COMMON_LANGUAGE:
        return _("No volunteer within %(km)s km speaks %(languages)s.") % {
            "km": km, "languages": _languages(list(params.get("languages", [])))}
    if reason == model.NO_COMMON_TIME:
        return ngettext(
            "%(count)d volunteer nearby speaks a common language, but has no common time slot.",
            "%(count)d volunteers nearby speak a common language, but none has a common time slot.",
            count) % {"count": count}
    if reason == model.GENDER_PREFERENCE:
        return ngettext(
            "%(count)d volunteer fits on place, language and time, but not the gender preference.",
            "%(count)d volunteers fit on place, language and time, but none the gender preference.",
            count) % {"count": count}
    if reason == model.SCREENING_INCOMPLETE:
        return ngettext(
            "%(count)d volunteer fits, but their screening is not complete or has expired.",
            "%(count)d volunteers fit, but none has a complete, valid screening.",
            count) % {"count": count}
    if reason == model.ONLY_FORBIDDEN:
        return ngettext(
            "%(count)d volunteer fits, but that pair is forbidden.",
            "%(count)d volunteers fit, but every such pair is forbidden.",
            count) % {"count": count}
    if reason == model.ALL_AT_CAPACITY:
        return ngettext(
            "%(count)d volunteer fits but is at capacity.",
            "%(count)d volunteers fit but all are at capacity.",
            count) % {"count": count}
    if reason == model.TAKEN_BY_OTHERS:
        return ngettext(
            "%(count)d volunteer fits, but the best overall assignment gives them to another participant.",
            "%(count)d volunteers fit, but the best overall assignment gives them to other participants.",
            count) % {"count": count}
    return reason
