"""Every why-unmatched reason in words, in English and in Dutch (the default)."""

from __future__ import annotations

import pytest
from django.utils import translation

from matching.engine import model
from matching.texts import why_unmatched

TEXTS = {
    model.NO_CONSENT: ({}, "No consent has been recorded for this participant.",
                       "Voor deze deelnemer is nog geen toestemming geregistreerd."),
    model.NO_LOCATION: ({}, "The participant's postcode has no known location.",
                        "De postcode van de deelnemer heeft geen gekende locatie."),
    model.NO_VOLUNTEER_NEARBY: ({"km": 10}, "No volunteer lives within travel distance (up to 10 km).",
                                "Geen enkele vrijwilliger woont binnen reisafstand (tot 10 km)."),
    model.NO_COMMON_LANGUAGE: ({"km": 10, "languages": ["ar"], "nearby": 4},
                               "No volunteer within 10 km speaks Arabic.",
                               "Geen enkele vrijwilliger binnen 10 km spreekt Arabisch."),
    model.NO_COMMON_TIME: ({"count": 2},
                           "2 volunteers nearby speak a common language, but none has a common time slot.",
                           "2 vrijwilligers in de buurt spreken een gemeenschappelijke taal, maar geen van hen heeft "
                           "een gemeenschappelijk moment."),
    model.GENDER_PREFERENCE: ({"count": 1},
                              "1 volunteer fits on place, language and time, but not the gender preference.",
                              "1 vrijwilliger past qua plaats, taal en tijd, maar niet qua gendervoorkeur."),
    model.SCREENING_INCOMPLETE: ({"count": 1}, "1 volunteer fits, but their screening is not complete or has expired.",
                                 "1 vrijwilliger past, maar de screening is niet rond of is verlopen."),
    model.ONLY_FORBIDDEN: ({"count": 2}, "2 volunteers fit, but every such pair is forbidden.",
                           "2 vrijwilligers passen, maar elk van die koppels is uitgesloten."),
    model.ALL_AT_CAPACITY: ({"count": 3}, "3 volunteers fit but all are at capacity.",
                            "3 vrijwilligers passen maar zitten allemaal vol."),
    model.TAKEN_BY_OTHERS: ({"count": 1},
                            "1 volunteer fits, but the best overall assignment gives them to another participant.",
                            "1 vrijwilliger past, maar de beste totale toewijzing geeft die aan een andere deelnemer."),
}


@pytest.mark.parametrize("reason", model.REASONS)
def test_each_reason_reads_as_a_sentence_in_both_languages(reason: str) -> None:
    params, english, dutch = TEXTS[reason]

    with translation.override("en"):
        assert why_unmatched(reason, params) == english
    with translation.override("nl-be"):
        assert why_unmatched(reason, params) == dutch


def test_two_languages_are_joined_with_or() -> None:
    with translation.override("en"):
        text = why_unmatched(model.NO_COMMON_LANGUAGE, {"km": 15, "languages": ["ti", "am", "so"], "nearby": 3})

    assert text == "No volunteer within 15 km speaks Tigrinya, Amharic or Somali."
