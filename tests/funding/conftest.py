from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World
from tests.funding.builders import Hand, hand_built, seed_caps


@pytest.fixture(autouse=True)
def _caps(request: Any) -> None:
    """Tests that touch the database get the seeded legal caps, whatever ran before them."""
    if "db" in request.fixturenames or "world" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        seed_caps()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    """Annexes, frozen reports and portfolio files go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hand(world: World) -> Hand:
    """The world's project with a hand-built grant of the world's funder (builders.hand_built)."""
    return hand_built(world.funder, project=world.project)
