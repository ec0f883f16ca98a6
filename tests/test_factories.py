"""The factories' random names never collide with the names tests give people on purpose."""

from __future__ import annotations

import re
from pathlib import Path

from faker.providers.person.nl_BE import Provider

from tests.factories import FIXED_FIRST_NAMES, free_first_name

# first_name="Nadia", "first_name": "Nadia", first_name__in=["Ann", ...
LITERAL = re.compile(r"first_name(?:\"?: ?|=)\"([^\"]+)\"|first_name__in=\[([^\]]+)\]")
FAKER_FIRST_NAMES = set(Provider.first_names_male) | set(Provider.first_names_female)


def _literal_first_names() -> set[str]:
    names: set[str] = set()
    for path in Path(__file__).parent.rglob("*.py"):
        for single, listed in LITERAL.findall(path.read_text(encoding="utf-8")):
            names.update([single] if single else re.findall(r"\"([^\"]+)\"", listed))
    return names


def test_every_first_name_a_test_fixes_is_one_random_people_never_get() -> None:
    literal = _literal_first_names()
    assert {"Nadia", "Ann", "Marieke"} <= literal  # the scan finds the names it is meant to find

    assert sorted((literal & FAKER_FIRST_NAMES) - FIXED_FIRST_NAMES) == []


def test_random_first_names_avoid_the_fixed_ones() -> None:
    drawn = {free_first_name() for _ in range(2000)}

    assert not drawn & FIXED_FIRST_NAMES
    assert len(drawn) > 300  # still a wide spread of names
