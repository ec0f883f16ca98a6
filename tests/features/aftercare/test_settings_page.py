"""A project's aftercare rules, on their page: the project's coordinators only; bad input is 400
with the field's message and saves nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from buddynet.features.aftercare.models import AftercareSettings
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("who", "status"), [("coordinator", 200), ("admin", 200), ("other_coordinator", 404),
                                              ("volunteer_user", 404), ("funder_user", 404)])
def test_access(world: World, client: Any, who: str, status: int) -> None:
    client.force_login(getattr(world, who))
    assert client.get(reverse("aftercare:settings", args=[world.project.pk])).status_code == status


def test_a_coordinator_sets_the_months(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("aftercare:settings", args=[world.project.pk])

    bad = client.post(url, {"contact_months": "1, drie", "interim_map_months": "6"})
    assert bad.status_code == 400 and not AftercareSettings.objects.exists()
    too_many = client.post(url, {"contact_months": "0", "interim_map_months": "6"})
    assert too_many.status_code == 400 and not AftercareSettings.objects.exists()

    good = client.post(url, {"contact_months": "6, 1", "closure_map": "on", "interim_map_months": "4"})
    assert good.status_code == 302
    rules = AftercareSettings.objects.get(project=world.project)
    assert (rules.contact_months, rules.closure_map, rules.interim_map_months) == ([1, 6], True, 4)
