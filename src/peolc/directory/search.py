"""Finding services: by keyword, taxonomy term, postcode and distance, modified date and review state.

The API and the public search page share this one query. A postcode search cuts the candidates to a bounding box on
the indexed coordinates first, then computes exact haversine distances for those few. Services with no physical
location (telephone lines, online support) serve the whole ICS, so a postcode search includes them, after the
located ones, with no distance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from django.db.models import Prefetch, Q

from peolc.directory import models as m
from peolc.directory.geo import bounding_box, haversine_km, normalise_postcode

FULL_PREFETCH = (
    "phones", "schedules", "service_areas", "languages", "funding", "cost_options",
    Prefetch("contacts", queryset=m.Contact.objects.prefetch_related("phones")),
    Prefetch("attributes", queryset=m.Attribute.objects.select_related("taxonomy_term")),
    Prefetch("service_at_locations",
             queryset=m.ServiceAtLocation.objects.select_related("location").prefetch_related("location__accessibility")),
)
DEFAULT_RADIUS_KM = 50.0
MAX_RADIUS_KM = 500.0


class UnknownPostcode(ValueError):
    """The postcode is not postcode-shaped, or not in the loaded postcode directory."""


@dataclass(frozen=True)
class Origin:
    postcode: str
    latitude: float
    longitude: float
    lsoa_code: str


@dataclass
class Results:
    """One page of services, each with its distance in km (None when not searched by postcode or not located)."""

    items: list[tuple[m.Service, float | None]]
    total: int
    page: int
    per_page: int
    origin: Origin | None = None
    # The search page's display rows: each service with its details loaded, its distance and its opening hours.
    rows: list[tuple] = field(default_factory=list)


def locate(postcode: str) -> Origin:
    """The centroid of ``postcode``; raises ``UnknownPostcode`` when it is malformed or not loaded."""
    normal = normalise_postcode(postcode)
    if normal is None:
        raise UnknownPostcode(f"{postcode!r} is not a UK postcode.")
    found = m.Postcode.objects.filter(postcode=normal).first()
    if found is None:
        raise UnknownPostcode(f"Postcode {normal} was not found.")
    return Origin(normal, found.latitude, found.longitude, found.lsoa_code)


def _filters(*, text: str, term: m.TaxonomyTerm | None, modified_after: datetime | None, verified_only: bool,
             today: date, prefix: str = "") -> Q:
    """The conditions on a service, written from a model ``prefix`` away (e.g. ``service__``)."""
    condition = Q(**{f"{prefix}status": m.ServiceStatus.ACTIVE})
    for word in text.split()[:8]:
        condition &= (Q(**{f"{prefix}name__icontains": word}) | Q(**{f"{prefix}description__icontains": word})
                      | Q(**{f"{prefix}organization__name__icontains": word}))
    if term is not None:
        term_ids = [term.id, *term.children.values_list("id", flat=True)]
        condition &= Q(**{f"{prefix}attributes__taxonomy_term_id__in": term_ids})
    if modified_after is not None:
        condition &= Q(**{f"{prefix}last_modified__gte": modified_after})
    if verified_only:
        condition &= Q(**{f"{prefix}last_reviewed__gte": today - m.REVIEW_INTERVAL})
    return condition


def search(*, text: str = "", term: m.TaxonomyTerm | None = None, origin: Origin | None = None,
           radius_km: float | None = None, modified_after: datetime | None = None, verified_only: bool = False,
           today: date, page: int = 1, per_page: int = 20) -> Results:
    """One page of matching active services, nearest first when ``origin`` is given, otherwise by name."""
    criteria: dict[str, Any] = {"text": text, "term": term, "modified_after": modified_after,
                                "verified_only": verified_only, "today": today}
    offset = (page - 1) * per_page
    if origin is None:
        services = m.Service.objects.filter(_filters(**criteria)).distinct()
        total = services.count()
        chosen = list(services.select_related("organization").order_by("name", "id")[offset:offset + per_page])
        return Results([(s, None) for s in chosen], total, page, per_page)

    radius = min(radius_km or DEFAULT_RADIUS_KM, MAX_RADIUS_KM)
    south, north, west, east = bounding_box(origin.latitude, origin.longitude, radius)
    points = m.ServicePoint.objects.filter(latitude__range=(south, north), longitude__range=(west, east))
    if term is not None:
        points = points.filter(taxonomy_term_id__in=[term.id, *term.children.values_list("id", flat=True)])
    rows = list(points.values_list("service_id", "latitude", "longitude"))
    if text or modified_after is not None or verified_only:
        # The point index holds only active services by term; other conditions are checked on the few candidates.
        keep = set(m.Service.objects.filter(_filters(**criteria), id__in={r[0] for r in rows})
                   .values_list("id", flat=True))
        rows = [r for r in rows if r[0] in keep]
    nearest: dict = {}
    for service_id, lat, lon in rows:
        distance = haversine_km(origin.latitude, origin.longitude, lat, lon)
        if distance <= radius and distance < nearest.get(service_id, radius + 1):
            nearest[service_id] = distance
    located = sorted(nearest.items(), key=lambda pair: (pair[1], str(pair[0])))
    # Services delivered nowhere in particular (advice lines, online) reach everyone in the area.
    everywhere = (m.Service.objects.filter(_filters(**criteria), area_wide=True).distinct()
                  .order_by("name", "id").values_list("id", flat=True))
    ordered = [*located, *((sid, None) for sid in everywhere)]
    window = ordered[offset:offset + per_page]
    by_id = m.Service.objects.select_related("organization").in_bulk([sid for sid, _ in window])
    return Results([(by_id[sid], d) for sid, d in window if sid in by_id], len(ordered), page, per_page, origin)


def refresh_points(service_ids) -> None:
    """Rebuild the search index rows of these services (call inside the transaction that changed them)."""
    service_ids = list(service_ids)
    m.ServicePoint.objects.filter(service_id__in=service_ids).delete()
    located = cast("Iterable[tuple[Any, float, float]]", m.ServiceAtLocation.objects.filter(
        service_id__in=service_ids, service__status=m.ServiceStatus.ACTIVE, location__location_type="physical",
        location__latitude__isnull=False, location__longitude__isnull=False,
    ).values_list("service_id", "location__latitude", "location__longitude"))
    terms: dict = {}
    for service_id, term_id in m.Attribute.objects.filter(service_id__in=service_ids).values_list(
            "service_id", "taxonomy_term_id"):
        terms.setdefault(service_id, []).append(term_id)
    m.ServicePoint.objects.bulk_create(
        [m.ServicePoint(service_id=sid, taxonomy_term_id=term_id, latitude=lat, longitude=lon)
         for sid, lat, lon in located for term_id in terms.get(sid, [])],
        batch_size=5000,
    )
