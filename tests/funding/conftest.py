from __future__ import annotations

from typing import Any

import pytest

from tests.funding.builders import seed_caps


@pytest.fixture(autouse=True)
def _caps(request: Any) -> None:
    """Tests that touch the database get the seeded legal caps, whatever ran before them."""
    if "db" in request.fixturenames or "world" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        seed_caps()
