"""Every field of the covered apps is classified, and the classification drives encryption."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from buddynet import privacy
from buddynet.crypto import EncryptedMixin


def _fields(model: type[models.Model]) -> list[models.Field]:
    """The model's own columns and many-to-many fields (not the reverse side of other models' keys)."""
    return [f for f in model._meta.get_fields() if f.concrete or (f.many_to_many and not f.auto_created)]


def _covered_models() -> list[type[models.Model]]:
    return [*(model for label in privacy.COVERED_APPS for model in apps.get_app_config(label).get_models()),
            *(apps.get_model(label) for label in privacy.COVERED_MODELS)]


def unclassified(registry: dict[str, dict[str, privacy.Level]], app_labels: tuple[str, ...],
                 model_labels: tuple[str, ...] = ()) -> list[str]:
    missing = []
    models_ = [model for label in app_labels for model in apps.get_app_config(label).get_models()]
    for model in [*models_, *(apps.get_model(label) for label in model_labels)]:
        known = registry.get(model._meta.label, {})
        missing += [f"{model._meta.label}.{f.name}" for f in _fields(model) if f.name not in known]
    return missing


def test_every_field_of_the_covered_apps_is_classified():
    assert unclassified(privacy.REGISTRY, privacy.COVERED_APPS, privacy.COVERED_MODELS) == [], (
        "classify these fields in buddynet/privacy.py REGISTRY"
    )


def test_the_check_finds_a_field_nobody_classified():
    registry = {label: dict(fields) for label, fields in privacy.REGISTRY.items()}
    del registry["duos.CheckIn"]["concern_note"]
    assert unclassified(registry, privacy.COVERED_APPS) == ["duos.CheckIn.concern_note"]
    del registry["funding.DeclaredAllowance"]["organisation"]
    assert unclassified(registry, ("funding",)) == ["funding.DeclaredAllowance.organisation"]


def test_the_minimised_text_fields_are_classified_text_fields():
    for label, name in privacy.MINIMISED:
        assert isinstance(apps.get_model(label)._meta.get_field(name), models.TextField), (label, name)
        privacy.level_of(label, name)  # KeyError when nobody classified it


def test_the_registry_names_no_field_that_does_not_exist():
    for label, fields in privacy.REGISTRY.items():
        model = apps.get_model(label)
        assert set(fields) <= {f.name for f in _fields(model)}, label
        assert model._meta.app_label in privacy.COVERED_APPS or label in privacy.COVERED_MODELS


def test_every_special_field_is_encrypted_or_says_why_not():
    special = set(privacy.fields_at(privacy.Level.SPECIAL))
    assert special >= privacy.ENCRYPTED
    assert set(privacy.NOT_ENCRYPTED) <= special
    assert not privacy.ENCRYPTED & set(privacy.NOT_ENCRYPTED)
    assert special == privacy.ENCRYPTED | set(privacy.NOT_ENCRYPTED)


def test_the_fields_the_registry_calls_encrypted_are_encrypted_and_no_others():
    encrypted_in_models = {
        (model._meta.label, f.name)
        for model in _covered_models()
        for f in _fields(model)
        if isinstance(f, EncryptedMixin)
    }
    assert encrypted_in_models == privacy.ENCRYPTED


def test_every_free_text_field_is_special_and_encrypted():
    for model in _covered_models():
        for f in _fields(model):
            if isinstance(f, models.TextField):
                key = (model._meta.label, f.name)
                if key in privacy.MINIMISED:  # text the software writes, never a person's note
                    assert privacy.level_of(*key) != privacy.Level.SPECIAL, key
                    continue
                assert privacy.level_of(*key) == privacy.Level.SPECIAL, key
                assert key in privacy.ENCRYPTED, key


def test_names_and_contact_details_are_personal():
    for label in ("people.Participant", "people.Volunteer"):
        for name in ("first_name", "last_name", "email", "phone", "postcode"):
            assert privacy.level_of(label, name) == privacy.Level.PERSONAL
    assert privacy.level_of("accounts.User", "email") == privacy.Level.PERSONAL
