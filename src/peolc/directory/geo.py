"""Postcodes and distances: normalising postcodes, looking up their centroids, haversine distance in kilometres."""

from __future__ import annotations

import math
import re

EARTH_RADIUS_KM = 6371.0088  # the mean Earth radius (IUGG)
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def normalise_postcode(text: str | None) -> str | None:
    """A postcode in upper case with one space before the inward code, or None when it is not postcode-shaped."""
    compact = re.sub(r"\s+", "", (text or "").upper())
    if not 5 <= len(compact) <= 7:
        return None
    match = _POSTCODE.match(f"{compact[:-3]} {compact[-3:]}")
    return f"{match.group(1)} {match.group(2)}" if match else None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) of a box that contains every point within ``radius_km`` of (lat, lon).

    Used as an indexed prefilter; the exact haversine distance then decides.
    """
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    # Near the poles a degree of longitude shrinks to nothing; cap so the box stays a box.
    cos_lat = max(math.cos(math.radians(lat)), 0.01)
    dlon = math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
