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
    model.NO_VOLUNTEER_NEARBY: ({"km": 10, "nearest_km": 12.5, "nearest_max_km": 10},
                                "No volunteer lives within their travel distance: the nearest lives 12.5 km away and "
                                "travels up to 10 km.",
                                "Geen enkele vrijwilliger woont binnen de eigen reisafstand: de dichtstbijzijnde woont "
                                "op 12,5 km en reist tot 10 km."),
    model.NO_COMMON_LANGUAGE: ({"languages": ["ar"], "nearby": 4, "speaker_km": 12, "speaker_max_km": 5},
                               "None of the 4 volunteers who can travel to this participant speaks Arabic. The nearest "
                               "volunteer who does lives 12 km away and travels up to 5 km.",
                               "Geen van de 4 vrijwilligers die tot bij deze deelnemer kunnen reizen, spreekt "
                               "Arabisch. De dichtstbijzijnde vrijwilliger die dat wel doet, woont op 12 km en reist "
                               "tot 5 km."),
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
        text = why_unmatched(model.NO_COMMON_LANGUAGE, {"languages": ["ti", "am", "so"], "nearby": 3,
                                                        "speaker_km": None})

    assert text == ("None of the 3 volunteers who can travel to this participant speaks Tigrinya, Amharic or Somali. "
                    "No volunteer further away does either.")


@pytest.mark.parametrize(("params", "english", "dutch"), [
    pytest.param({"located": 0}, "No volunteer in the pool has a known location.",
                 "Van geen enkele vrijwilliger in de pool is de locatie gekend.", id="nobody-located"),
    # A run stored before the nearest volunteer was named keeps its (true) sentence.
    pytest.param({"km": 10}, "No volunteer lives within travel distance (up to 10 km).",
                 "Geen enkele vrijwilliger woont binnen reisafstand (tot 10 km).", id="stored-run"),
])
def test_the_other_no_volunteer_nearby_sentences(params: dict, english: str, dutch: str) -> None:
    with translation.override("en"):
        assert why_unmatched(model.NO_VOLUNTEER_NEARBY, params) == english
    with translation.override("nl-be"):
        assert why_unmatched(model.NO_VOLUNTEER_NEARBY, params) == dutch


def test_a_run_stored_with_the_old_radius_no_longer_claims_it() -> None:
    # Runs stored before explain.py named the nearest speaker carry the pool's largest limit as
    # "km": that radius may hold a speaker (beyond their own limit), so it is not repeated.
    with translation.override("en"):
        text = why_unmatched(model.NO_COMMON_LANGUAGE, {"km": 10, "languages": ["fr"], "nearby": 1})

    assert text == "The 1 volunteer who can travel to this participant does not speak French."


def test_with_an_interpreter_the_time_sentence_claims_no_common_language() -> None:
    with translation.override("en"):
        text = why_unmatched(model.NO_COMMON_TIME, {"count": 2, "interpreter": True})
    with translation.override("nl-be"):
        dutch = why_unmatched(model.NO_COMMON_TIME, {"count": 2, "interpreter": True})

    assert text == ("2 volunteers can travel to this participant (an interpreter is arranged), but none has a "
                    "common time slot.")
    assert "taal" not in dutch and "tolk" in dutch
