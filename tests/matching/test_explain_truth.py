"""Every why-unmatched sentence is literally true of the pool it was computed on (issue 15).

The engine's reasons (matching/engine/explain.py) are checked against the data they describe:
the example of the issue, then every reason that random pools produce, claim by claim.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from django.utils import translation

from matching.engine import Problem, match, model, prepare
from matching.engine.arrays import haversine_km
from matching.texts import why_unmatched
from tests.matching.test_engine import DOMAINS, LANGS, SLOTS, near, participant, volunteer


def test_a_speaker_beyond_their_own_limit_is_not_hidden_behind_the_pools_largest_radius() -> None:
    # The example: a French speaker 5 km away who travels 3 km, and a volunteer who
    # travels 10 km but speaks no French. "No volunteer within 10 km speaks French" is false.
    result = match(Problem(
        (participant(1, languages=("fr",)),),
        (volunteer(100, near(5), languages=("fr",), max_travel_km=3),
         volunteer(101, near(2), languages=("nl",), max_travel_km=10)),
        DOMAINS,
    ))

    [why] = result.unmatched
    assert why.reason == model.NO_COMMON_LANGUAGE
    assert why.params == {"languages": ["fr"], "nearby": 1, "speaker_km": 5, "speaker_max_km": 3}
    with translation.override("en"):
        english = why_unmatched(why.reason, why.params)
    with translation.override("nl-be"):
        dutch = why_unmatched(why.reason, why.params)
    assert english == ("The 1 volunteer who can travel to this participant does not speak French. "
                       "The nearest volunteer who does lives 5 km away and travels up to 3 km.")
    assert dutch == ("De 1 vrijwilliger die tot bij deze deelnemer kan reizen, spreekt geen Frans. "
                     "De dichtstbijzijnde vrijwilliger die dat wel doet, woont op 5 km en reist tot 3 km.")
    assert "10 km" not in english and "10 km" not in dutch


def test_nobody_within_their_own_limit_names_the_nearest_volunteer_not_the_largest_limit() -> None:
    # 12 km away with a 10 km limit; another 40 km away who travels 25 km.
    result = match(Problem(
        (participant(1),),
        (volunteer(100, near(12), max_travel_km=10), volunteer(101, near(40), max_travel_km=25)),
        DOMAINS,
    ))

    [why] = result.unmatched
    with translation.override("en"):
        text = why_unmatched(why.reason, why.params)
    assert text == ("No volunteer lives within their travel distance: the nearest lives 12 km away and travels "
                    "up to 10 km.")


def test_with_an_interpreter_the_time_reason_does_not_claim_a_common_language() -> None:
    result = match(Problem(
        (participant(1, languages=("ti",), availability=("mon_morning",), interpreter_arranged=True),),
        (volunteer(100, languages=("nl",), availability=("sat_morning",)),),
        DOMAINS,
    ))

    [why] = result.unmatched
    assert (why.reason, why.params) == (model.NO_COMMON_TIME, {"count": 1, "interpreter": True})


def _sparse_pool(seed: int) -> Problem:
    """Few volunteers spread wide with short limits, so every early reason occurs."""
    rng = random.Random(seed)
    ps = [participant(
        i + 1, near(rng.uniform(-25, 25), rng.uniform(-25, 25)),
        languages=tuple(sorted(set(rng.sample(LANGS, rng.randint(1, 2))))),
        availability=tuple(rng.sample(SLOTS, rng.randint(1, 2))),
        interpreter_arranged=rng.random() < 0.15,
    ) for i in range(30)]
    vs = [volunteer(
        1000 + j, near(rng.uniform(-25, 25), rng.uniform(-25, 25)),
        languages=tuple(sorted(set(rng.sample(LANGS, rng.randint(1, 2))))),
        availability=tuple(rng.sample(SLOTS, rng.randint(1, 3))),
        max_travel_km=rng.choice((2, 3, 5, 10, 15)), capacity_left=rng.choice((0, 1, 1)),
        screening_complete=rng.random() < 0.8,
    ) for j in range(12)]
    return Problem(tuple(ps), tuple(vs), DOMAINS)


def _check(problem: Problem, why: model.Unmatched) -> None:
    """Each claim of the sentence, against the pool."""
    pool = prepare(problem).pool
    P, V = pool.participants, pool.volunteers
    i = int(np.flatnonzero(P.ids == why.participant_id)[0])
    d = haversine_km(P.lat[i], P.lon[i], V.lat, V.lon)
    located = V.has_location
    can_travel = located & (d <= V.max_km)
    params = why.params
    if why.reason == model.NO_VOLUNTEER_NEARBY:
        assert not can_travel.any()
        nearest = np.argmin(np.where(located, d, np.inf))
        # "the nearest lives X km away and travels up to Y km": X is their distance rounded up.
        assert d[nearest] <= params["nearest_km"] < d[nearest] + 0.1 + 1e-9
        assert params["nearest_max_km"] == V.max_km[nearest] < params["nearest_km"]
    elif why.reason == model.NO_COMMON_LANGUAGE:
        speaks = (V.languages & P.languages[i]) != 0
        assert params["nearby"] == int(can_travel.sum()) > 0
        assert not (can_travel & speaks).any()  # "none of the N ... speaks L"
        speakers = located & speaks
        if params["speaker_km"] is None:
            assert not speakers.any()  # "no volunteer further away does either"
        else:
            j = np.argmin(np.where(speakers, d, np.inf))
            assert d[j] <= params["speaker_km"] < d[j] + 0.1 + 1e-9
            assert params["speaker_max_km"] == V.max_km[j] < params["speaker_km"]
    elif why.reason == model.NO_COMMON_TIME:
        fit = can_travel if P.interpreter[i] else can_travel & ((V.languages & P.languages[i]) != 0)
        assert params["count"] == int(fit.sum()) > 0
        assert not (fit & ((V.slots & P.slots[i]) != 0)).any()
        assert params.get("interpreter", False) == bool(P.interpreter[i])


def test_every_reason_of_random_pools_is_true_of_the_pool() -> None:
    seen: set[str] = set()
    for seed in range(12):
        problem = _sparse_pool(seed)
        for why in match(problem).unmatched:
            _check(problem, why)
            seen.add(why.reason)
    # The checks above must have had something to check.
    assert {model.NO_VOLUNTEER_NEARBY, model.NO_COMMON_LANGUAGE, model.NO_COMMON_TIME} <= seen, seen


@pytest.mark.parametrize("reason", model.REASONS)
def test_no_sentence_states_a_radius_it_did_not_check(reason: str) -> None:
    # The pool-wide largest limit ("km") may only appear in the stored-run sentence of
    # NO_VOLUNTEER_NEARBY, where it is worded as the furthest anyone travels.
    with translation.override("en"):
        text = why_unmatched(reason, {"km": 99, "languages": ["fr"], "nearby": 2, "count": 2})
    if reason != model.NO_VOLUNTEER_NEARBY:
        assert "99" not in text
