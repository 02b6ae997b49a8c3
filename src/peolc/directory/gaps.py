"""The gap map: how far each LSOA's people are from the nearest service of each kind, set against need."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import cast

import numpy as np

from peolc.analytics import disclosure
from peolc.core.models import Organisation
from peolc.directory import models as m
from peolc.directory.geo import haversine_km

DISTANCE_BANDS = ((5.0, "under 5 km", "#007f3b"), (10.0, "5 to 10 km", "#ffb81c"),
                  (20.0, "10 to 20 km", "#ed8b00"), (float("inf"), "over 20 km or none", "#d5281b"))


@dataclass
class AreaDistance:
    area: m.Area
    distance_km: float | None  # None: no service of this kind anywhere; 0 for ICS-wide (telephone, online) ones

    @property
    def band(self) -> tuple[float, str, str]:
        value = float("inf") if self.distance_km is None else self.distance_km
        # No service at all is infinitely far: the last band ("over 20 km or none").
        return next((b for b in DISTANCE_BANDS if value < b[0]), DISTANCE_BANDS[-1])


def distances(term: m.TaxonomyTerm) -> tuple[list[AreaDistance], list[tuple[float, float]], bool]:
    """Each area's distance to the nearest active service of ``term`` (or its sub-terms), the service points, and
    whether an ICS-wide service with no location covers everyone."""
    term_ids = [term.id, *term.children.values_list("id", flat=True)]
    services = m.Service.objects.filter(status=m.ServiceStatus.ACTIVE, attributes__taxonomy_term_id__in=term_ids)
    # Located places only: a place has both its coordinates or neither.
    points = cast("list[tuple[float, float]]", list(
        m.Location.objects.filter(service_at_locations__service__in=services, location_type="physical",
                                  latitude__isnull=False).values_list("latitude", "longitude").distinct()
    ))
    everywhere = services.exclude(service_at_locations__location__location_type="physical").exists()
    result = []
    for area in m.Area.objects.order_by("lsoa_code"):
        nearest: float | None
        if everywhere:
            nearest = 0.0
        else:
            nearest = min((haversine_km(area.latitude, area.longitude, lat, lon) for lat, lon in points), default=None)
        result.append(AreaDistance(area, nearest))
    return result, points, everywhere


COUNTED = ("deaths", "palliative_need")


def coverage(within_km: float, shown_in_full: frozenset[str] = frozenset()) -> list[dict]:
    """For each gap-mapped term and each locality and PCN: services, people and need, and the share of people
    within ``within_km`` of a service.

    Deaths and palliative need are counts of people: they go through the small-number policy, except for the
    areas in ``shown_in_full`` (the user's own).
    """
    names = dict(Organisation.objects.filter(type__in=["locality", "pcn"]).values_list("code", "name"))
    areas = list(m.Area.objects.order_by("lsoa_code"))
    hidden = _suppressed_counts(areas, shown_in_full)
    rows = []
    for term in m.TaxonomyTerm.objects.filter(gap_mapped=True).order_by("name"):
        per_area, _points, everywhere = distances(term)
        groups: dict[tuple[str, str], list[AreaDistance]] = defaultdict(list)
        for item in per_area:
            groups[("Locality", item.area.locality_code)].append(item)
            groups[("PCN", item.area.pcn_code)].append(item)
        for (level, code), items in sorted(groups.items()):
            people = sum(i.area.population for i in items)
            need = sum(i.area.palliative_need for i in items)
            deaths = sum(i.area.deaths for i in items)
            reached = sum(i.area.population for i in items
                          if i.distance_km is not None and i.distance_km <= within_km)
            weighted = [(i.distance_km, i.area.palliative_need) for i in items if i.distance_km is not None]
            weight = sum(w for _, w in weighted)
            rows.append({
                "term": term.name, "level": level, "code": code or "-", "name": names.get(code, code or "Unknown"),
                "available": everywhere or any(i.distance_km is not None for i in items),
                "population": people,
                "deaths": disclosure.SUPPRESSED if hidden[(level, code, "deaths")] else deaths,
                "palliative_need": disclosure.SUPPRESSED if hidden[(level, code, "palliative_need")] else need,
                "share_within": round(100 * reached / people, 1) if people else 0.0,
                "need_weighted_km": round(sum(d * w for d, w in weighted) / weight, 1) if weight else None,
            })
    return rows


def _suppressed_counts(areas: list[m.Area], shown_in_full: frozenset[str]) -> dict[tuple[str, str, str], bool]:
    """Which locality and PCN counts to suppress. Localities and PCNs each add up to the whole ICS (not shown, so an
    unknown), and a PCN lying within one locality adds up with its siblings to that locality."""
    if not areas:
        return {}
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    pcn_localities: dict[str, set[str]] = defaultdict(set)
    for area in areas:
        pcn_localities[area.pcn_code].add(area.locality_code)
        for column in COUNTED:
            counts[("Locality", area.locality_code, column)] += getattr(area, column)
            counts[("PCN", area.pcn_code, column)] += getattr(area, column)
            counts[("ICS", "", column)] += getattr(area, column)
    keys = list(counts)
    position = {key: i for i, key in enumerate(keys)}
    sums = []
    for column in COUNTED:
        for level in ("Locality", "PCN"):
            sums.append(disclosure.Sum(parts=[i for k, i in position.items() if k[0] == level and k[2] == column],
                                       total=position[("ICS", "", column)]))
        within: dict[str, list[int]] = defaultdict(list)
        for pcn, localities in pcn_localities.items():
            if len(localities) == 1:
                within[next(iter(localities))].append(position[("PCN", pcn, column)])
        sums += [disclosure.Sum(parts=parts, total=position[("Locality", locality, column)])
                 for locality, parts in within.items()]
    unpublished = np.array([k[0] == "ICS" for k in keys])
    hidden = disclosure.suppress_counts([counts[k] for k in keys], sums, unpublished=unpublished)
    return {key: bool(hide) and key[1] not in shown_in_full for key, hide in zip(keys, hidden, strict=True)}


def svg_points(per_area: list[AreaDistance], points: list[tuple[float, float]], width: int = 640,
               height: int = 480) -> dict:
    """Screen positions for an inline SVG: LSOA centroids coloured by distance band, and services as squares."""
    coords = [(a.area.latitude, a.area.longitude) for a in per_area] + points
    if not coords:
        return {"areas": [], "services": [], "width": width, "height": height}
    lats, lons = [c[0] for c in coords], [c[1] for c in coords]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    margin = 12

    def place(lat: float, lon: float) -> tuple[float, float]:
        x = margin + (lon - west) / ((east - west) or 1) * (width - 2 * margin)
        y = margin + (north - lat) / ((north - south) or 1) * (height - 2 * margin)
        return round(x, 1), round(y, 1)

    return {
        "areas": [(*place(a.area.latitude, a.area.longitude), a.band[2]) for a in per_area],
        "services": [place(lat, lon) for lat, lon in points],
        "width": width, "height": height,
    }
