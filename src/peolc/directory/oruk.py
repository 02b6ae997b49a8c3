"""ORUK 3.0 JSON for directory records.

Optional fields are left out rather than sent as null or empty, as the standard asks; lists that are empty are kept
(an empty list is a true statement that there are none).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import time

from peolc.directory import models as m
from peolc.directory.hours import describe
from peolc.directory.taxonomy import TAXONOMY_NAME

ORUK_VERSION = "3.0"
ORUK_PROFILE = "https://openreferraluk.org/profile/3.0"
# Builds an absolute URL for a service page (a service must have a url in list responses).
UrlFor = Callable[[m.Service], str]


def _clean(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None and v != ""}


def _time(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def taxonomy(tax: m.Taxonomy) -> dict:
    return _clean({"id": str(tax.id), "name": tax.name, "description": tax.description, "uri": tax.uri,
                   "version": tax.version})


def taxonomy_term(term: m.TaxonomyTerm) -> dict:
    return _clean({
        "id": str(term.id), "code": term.code, "term": term.name, "name": term.name, "description": term.description,
        "parent_id": str(term.parent_id) if term.parent_id else None, "taxonomy": TAXONOMY_NAME,
        "taxonomy_id": str(term.taxonomy_id), "term_uri": term.term_uri,
    })


def organization(org: m.DirectoryOrganization, *, nested: bool = False) -> dict:
    data = _clean({"id": str(org.id), "name": org.name, "description": org.description, "email": org.email,
                   "website": org.website})
    if nested:
        identifiers = []
        if org.organisation is not None:
            identifiers.append({"id": str(_derived_id(org.id, "ods")), "organization_id": str(org.id),
                                "identifier_scheme": "GB-NHS", "identifier_type": "ODS code",
                                "identifier": org.organisation.code})
        if org.charity_number:
            identifiers.append({"id": str(_derived_id(org.id, "chc")), "organization_id": str(org.id),
                                "identifier_scheme": "GB-CHC", "identifier_type": "Charity number",
                                "identifier": org.charity_number})
        data["organization_identifiers"] = identifiers
    return data


def _derived_id(base: uuid.UUID, suffix: str) -> uuid.UUID:
    """A stable id for a child record peolc does not store separately (e.g. an organisation's ODS identifier)."""
    return uuid.uuid5(base, suffix)


def location(loc: m.Location) -> dict:
    data = _clean({"id": str(loc.id), "location_type": loc.location_type, "name": loc.name,
                   "description": loc.description, "latitude": loc.latitude, "longitude": loc.longitude})
    addresses = []
    if loc.location_type == "physical" and loc.address_1:
        addresses.append(_clean({
            "id": str(loc.address_id), "location_id": str(loc.id), "address_1": loc.address_1,
            "city": loc.city or "-", "state_province": loc.state_province or "England",
            "postal_code": loc.postal_code or "-", "country": loc.country, "address_type": "physical",
        }))
    data["addresses"] = addresses
    data["accessibility"] = [
        _clean({"id": str(a.id), "location_id": str(loc.id), "description": a.description, "details": a.details})
        for a in loc.accessibility.all()
    ]
    return data


def _phone(phone: m.Phone) -> dict:
    return _clean({"id": str(phone.id), "number": phone.number, "type": phone.type, "description": phone.description,
                   "service_id": str(phone.service_id) if phone.service_id else None,
                   "contact_id": str(phone.contact_id) if phone.contact_id else None})


def _schedule(s: m.Schedule) -> dict:
    return _clean({
        "id": str(s.id), "service_id": str(s.service_id), "freq": "WEEKLY", "byday": s.byday,
        "opens_at": "00:00" if s.all_day else _time(s.opens_at),
        "closes_at": "23:59" if s.all_day else _time(s.closes_at),
        "valid_from": s.valid_from.isoformat() if s.valid_from else None,
        "valid_to": s.valid_to.isoformat() if s.valid_to else None,
        "description": describe(s), "notes": s.notes,
    })


def _service_fields(service: m.Service, url_for: UrlFor) -> dict:
    return _clean({
        "id": str(service.id), "organization_id": str(service.organization_id), "name": service.name,
        "description": service.description, "url": service.url or url_for(service), "email": service.email,
        "status": service.status, "eligibility_description": service.eligibility_description,
        "minimum_age": service.minimum_age, "maximum_age": service.maximum_age, "alert": service.alert,
        "accreditations": service.accreditations,
        "assured_date": service.last_reviewed.isoformat() if service.last_reviewed else None,
        "last_modified": service.last_modified.isoformat().replace("+00:00", "Z"),
    })


def service_summary(service: m.Service, url_for: UrlFor, distance_km: float | None = None) -> dict:
    """A service as it appears in a page of results: its own fields and its organisation."""
    data = _service_fields(service, url_for)
    data["organization"] = organization(service.organization)
    if distance_km is not None:
        data["distance"] = round(distance_km * 1000)  # metres, as ORUK's proximity parameter
    return data


def service_full(service: m.Service, url_for: UrlFor) -> dict:
    """A fully nested service. Expects the relations prefetched (see ``search.FULL_PREFETCH``)."""
    data = _service_fields(service, url_for)
    data["organization"] = organization(service.organization, nested=True)
    data["phones"] = [_phone(p) for p in service.phones.all()]
    data["schedules"] = [_schedule(s) for s in service.schedules.all()]
    data["service_areas"] = [
        _clean({"id": str(a.id), "service_id": str(service.id), "name": a.name,
                "extent": a.locality_code, "extent_type": "text" if a.locality_code else None})
        for a in service.service_areas.all()
    ]
    data["service_at_locations"] = [
        _clean({"id": str(sal.id), "service_id": str(service.id), "location_id": str(sal.location_id),
                "description": sal.description, "location": location(sal.location)})
        for sal in service.service_at_locations.all()
    ]
    data["languages"] = [_clean({"id": str(lang.id), "service_id": str(service.id), "name": lang.name,
                                 "code": lang.code}) for lang in service.languages.all()]
    data["funding"] = [{"id": str(f.id), "service_id": str(service.id), "source": f.source}
                       for f in service.funding.all()]
    data["cost_options"] = [
        _clean({"id": str(c.id), "service_id": str(service.id), "option": c.option,
                "amount": float(c.amount) if c.amount is not None else None, "currency": "GBP" if c.amount else None,
                "amount_description": c.amount_description})
        for c in service.cost_options.all()
    ]
    data["contacts"] = [
        _clean({"id": str(c.id), "service_id": str(service.id), "name": c.name, "title": c.title,
                "department": c.department, "email": c.email}) | {"phones": [_phone(p) for p in c.phones.all()]}
        for c in service.contacts.all()
    ]
    data["attributes"] = [
        {"id": str(a.id), "link_id": str(service.id), "link_entity": "service", "link_type": a.link_type,
         "taxonomy_term_id": str(a.taxonomy_term_id), "taxonomy_term": taxonomy_term(a.taxonomy_term)}
        for a in service.attributes.all()
    ]
    return data


def service_at_location_summary(sal: m.ServiceAtLocation, url_for: UrlFor) -> dict:
    return _clean({"id": str(sal.id), "service_id": str(sal.service_id), "location_id": str(sal.location_id),
                   "description": sal.description}) | {
        "service": service_summary(sal.service, url_for), "location": location(sal.location)}


def service_at_location_full(sal: m.ServiceAtLocation, url_for: UrlFor) -> dict:
    return _clean({"id": str(sal.id), "service_id": str(sal.service_id), "location_id": str(sal.location_id),
                   "description": sal.description}) | {
        "service": service_full(sal.service, url_for), "location": location(sal.location)}


def page(items: list[dict], *, total: int, page_number: int, per_page: int) -> dict:
    """ORUK's page object around ``items``."""
    total_pages = max(1, -(-total // per_page))
    return {
        "total_items": total, "total_pages": total_pages, "page_number": page_number, "size": len(items),
        "first_page": page_number == 1, "last_page": page_number >= total_pages, "empty": total == 0,
        "contents": items,
    }
