"""The words for engine codes (criteria, why-unmatched reasons), in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
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


def _number(value: Any) -> str:
    return number_format(value) if value is not None else ""


def _no_common_language(params: dict[str, Any]) -> str:
    """Literally true whatever the radii: the volunteers counted are those within their *own*
    travel limit (none speaks the languages), and the nearest speaker is named with their real
    distance and limit. Runs stored before these params (with only km/nearby) get the first
    sentence alone, which was true of them too."""
    nearby = int(params.get("nearby", 0))
    values = {"nearby": nearby, "languages": _languages(list(params.get("languages", [])))}
    text = ngettext(
        "The %(nearby)d volunteer who can travel to this participant does not speak %(languages)s.",
        "None of the %(nearby)d volunteers who can travel to this participant speaks %(languages)s.",
        nearby) % values
    if "speaker_km" not in params:
        return text
    if params["speaker_km"] is None:
        return text + " " + _("No volunteer further away does either.")
    return text + " " + _("The nearest volunteer who does lives %(km)s km away and travels up to %(max_km)s km.") % {
        "km": _number(params["speaker_km"]), "max_km": _number(params.get("speaker_max_km"))}


def why_unmatched(reason: str, params: dict[str, Any]) -> str:
    """One sentence a coordinator can act on, literally true of the pool it was computed on
    (matching/engine/explain.py), e.g. "None of the 4 volunteers who can travel to this
    participant speaks Arabic. The nearest volunteer who does lives 12 km away and travels up
    to 5 km."."""
    count = int(params.get("count", 0))
    km = params.get("km", 0)
    if reason == model.NO_CONSENT:
        return _("No consent has been recorded for this participant.")
    if reason == model.NO_LOCATION:
        return _("The participant's postcode has no known location.")
    if reason == model.NO_VOLUNTEER_NEARBY:
        if params.get("located") == 0:
            return _("No volunteer in the pool has a known location.")
        if "nearest_km" in params:
            return _("No volunteer lives within their travel distance: the nearest lives %(km)s km away and "
                     "travels up to %(max_km)s km.") % {"km": _number(params["nearest_km"]),
                                                         "max_km": _number(params.get("nearest_max_km"))}
        return _("No volunteer lives within travel distance (up to %(km)s km).") % {"km": km}
    if reason == model.NO_COMMON_LANGUAGE:
        return _no_common_language(params)
    if reason == model.NO_COMMON_TIME:
        if params.get("interpreter"):
            return ngettext(
                "%(count)d volunteer can travel to this participant (an interpreter is arranged), but has no "
                "common time slot.",
                "%(count)d volunteers can travel to this participant (an interpreter is arranged), but none has a "
                "common time slot.",
                count) % {"count": count}
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
