"""Password rules per ASVS 5.0: 8..64 characters, common passwords refused, no composition rules."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from tests import factories as f


def _codes(password: str, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


def test_it_refuses_a_password_of_seven_characters_and_accepts_eight():
    assert "password_too_short" in _codes("kx9!mQz")
    assert _codes("kx9!mQzr") == set()


def test_it_accepts_sixty_four_characters_and_refuses_sixty_five():
    assert _codes("lange zin als wachtwoord " * 2 + "x" * 14) == set()  # 64
    assert _codes("a7" * 32) == set()
    assert "password_too_long" in _codes("a7" * 32 + "b")


def test_it_refuses_a_common_password():
    assert "password_too_common" in _codes("password123")
    assert "password_too_common" in _codes("qwertyuiop")


def test_it_sets_no_composition_rules():
    # Lower-case only, digits only, spaces: all fine when long and uncommon.
    assert _codes("paardenbloem wandelt traag") == set()
    assert _codes("8461937205718") == set()


@pytest.mark.django_db
def test_it_refuses_a_password_like_the_users_own_email():
    user = f.UserFactory(email="marieke.peeters@example.be")
    assert "password_too_similar" in _codes("marieke.peeters", user)


def test_the_too_long_message_is_dutch_by_default_and_english_on_request():
    with translation.override("nl-be"), pytest.raises(ValidationError) as nl:
        validate_password("x7" * 40)
    assert "hoogstens 64 tekens" in " ".join(nl.value.messages)
    with translation.override("en"), pytest.raises(ValidationError) as en:
        validate_password("x7" * 40)
    assert "at most 64 characters" in " ".join(en.value.messages)


def test_the_users_api_applies_the_rules_in_dutch(world):
    from buddynet.records.accounts.models import User
    from tests.conftest import client_for

    api = client_for(world.admin)
    too_long = api.post("/api/v1/users/", {"email": "lang@example.be", "password": "x7" * 33}, format="json")
    assert too_long.status_code == 400
    assert "hoogstens 64 tekens" in str(too_long.json())
    assert not User.objects.filter(email="lang@example.be").exists()
    digits = api.post("/api/v1/users/", {"email": "cijfers@example.be", "password": "846193720571"}, format="json")
    assert digits.status_code == 201, digits.json()
    assert User.objects.get(email="cijfers@example.be").check_password("846193720571")
