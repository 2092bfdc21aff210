"""Areas of the outage schedule: catalog data (``models/catalog/areas.toml``), no table.

An area is a district or feeder with an approximate centre and radius. A shared location
belongs to the nearest area whose radius holds it (:func:`area_at`); the schedule's CSV
may name an area by its key or its Persian name (:func:`find_area`). Subscriptions,
planned outages and incidents store the key.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from models.catalog import CATALOG_DIR

__all__ = ["Area", "area_at", "areas", "distance_km", "find_area", "get_area"]

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True, slots=True)
class Area:
    key: str
    name: str
    lat: float
    lon: float
    radius_km: float
    confirmed: bool = False


def _normal(name: str) -> str:
    """Names compared without spaces, ZWNJ or Arabic letter forms."""
    return name.replace("\u200c", "").replace(" ", "").replace("ي", "ی").replace("ك", "ک").lower()


@cache
def areas(path: Path = CATALOG_DIR / "areas.toml") -> tuple[Area, ...]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    found = tuple(Area(**row) for row in data.get("area", ()))
    if len({a.key for a in found}) != len(found):
        raise ValueError("duplicate area keys in areas.toml")
    return found


def get_area(key: str) -> Area | None:
    return next((a for a in areas() if a.key == key), None)


def find_area(name: str) -> Area | None:
    """The area a schedule row names, by key or Persian name."""
    wanted = _normal(name.strip())
    return next((a for a in areas() if wanted in (_normal(a.key), _normal(a.name))), None)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def area_at(lat: float, lon: float) -> Area | None:
    """The nearest area whose radius holds the point, or None."""
    inside = [(d, a) for a in areas() if (d := distance_km(lat, lon, a.lat, a.lon)) <= a.radius_km]
    return min(inside, key=lambda pair: pair[0])[1] if inside else None
