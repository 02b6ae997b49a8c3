"""Directory use cases: each checks permission and scope, validates, writes in one transaction, and leaves both an
ORUK ``metadata`` record per changed field and an audit event."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, time
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from peolc.core.actions import require_permission
from peolc.core.audit import record_event
from peolc.core.models import User
from peolc.core.permissions import Permission, Role
from peolc.directory import models as m
from peolc.directory.geo import normalise_postcode
from peolc.directory.search import refresh_points

SCHEMA_DIR = Path(__file__).parent / "schemas"
SERVICE_FIELDS = ("name", "description", "url", "email", "status", "eligibility_description", "minimum_age",
                  "maximum_age", "alert")


def editable_services(actor: User):
    """The services ``actor`` may maintain: their organisation's, or every one for a system administrator."""
    services = m.Service.objects.select_related("organization")
    if actor.role == Role.SYSTEM_ADMINISTRATOR:
        return services
    if not actor.organisation_id:
        return services.none()
    return services.filter(organization__organisation=actor.organisation_id)


def editable_organizations(actor: User):
    """The directory organisations ``actor`` may add services to."""
    if actor.role == Role.SYSTEM_ADMINISTRATOR:
        return m.DirectoryOrganization.objects.all()
    return m.DirectoryOrganization.objects.filter(organisation=actor.organisation_id)


def _require_scope(actor: User, organization: m.DirectoryOrganization) -> None:
    require_permission(actor, Permission.MANAGE_DIRECTORY)
    if not editable_organizations(actor).filter(pk=organization.pk).exists():
        raise PermissionDenied("You can only maintain your own organisation's services.")


def _record(actor_name: str, resource: m.Service | m.TaxonomyTerm, action: str, changes: dict) -> None:
    kind = "service" if isinstance(resource, m.Service) else "taxonomy_term"
    m.Metadata.objects.bulk_create(
        [m.Metadata(resource_id=resource.pk, resource_type=kind, last_action_type=action, field_name=field,
                    previous_value="" if old is None else str(old), replacement_value="" if new is None else str(new),
                    updated_by=actor_name)
         for field, (old, new) in changes.items()]
        or [m.Metadata(resource_id=resource.pk, resource_type=kind, last_action_type=action, updated_by=actor_name)]
    )


def _coordinates(postcode: str) -> tuple[str, float | None, float | None, str]:
    normal = normalise_postcode(postcode)
    if normal is None:
        raise ValidationError({"postcode": "Enter a real postcode, like NG1 5DT."})
    found = m.Postcode.objects.filter(postcode=normal).first()
    if found is None:
        raise ValidationError({"postcode": f"Postcode {normal} is not in the postcode directory."})
    return normal, found.latitude, found.longitude, found.lsoa_code


def save_service(actor: User, service: m.Service | None, *, organization: m.DirectoryOrganization,
                 terms: Iterable[m.TaxonomyTerm], fields: Mapping, phone: str = "", address_1: str = "",
                 city: str = "", postcode: str = "", opening: str = "weekdays", opens_at: time | None = None,
                 closes_at: time | None = None, open_on_bank_holidays: bool = False) -> m.Service:
    """Create a service (``service`` None) or change one, with its terms, phone, address and opening hours.

    ``opening`` is ``24/7``, ``every-day``, ``weekdays`` or ``none`` (by appointment, no regular hours).
    Saving counts as a review: the editor has just looked at the whole entry.
    """
    _require_scope(actor, organization)
    if service is not None:
        _require_scope(actor, service.organization)
    terms = list(terms)
    if not terms:
        raise ValidationError({"terms": "Choose at least one kind of service."})
    if opening in ("every-day", "weekdays") and (opens_at is None or closes_at is None):
        raise ValidationError({"opens_at": "Enter the opening and closing times."})
    located = bool(postcode.strip())
    if located:
        if not address_1.strip():
            raise ValidationError({"address_1": "Enter the first line of the address."})
        normal, lat, lon, lsoa = _coordinates(postcode)
    now = timezone.now()
    with transaction.atomic():
        creating = service is None
        if service is None:
            service = m.Service(organization=organization, last_modified=now)
            before = {}
        else:
            service = m.Service.objects.select_for_update().get(pk=service.pk)
            before = {f: getattr(service, f) for f in SERVICE_FIELDS}
            before["terms"] = ",".join(sorted(service.attributes.values_list("taxonomy_term__code", flat=True)))
        service.organization = organization
        for field in SERVICE_FIELDS:
            value = fields.get(field)
            setattr(service, field, value.strip() if isinstance(value, str) else value)
        service.last_modified = now
        service.area_wide = not located
        service.last_reviewed = timezone.localdate()
        service.reviewed_by = actor.get_username()
        service.full_clean(exclude=["organization"])
        if (service.minimum_age is not None and service.maximum_age is not None
                and service.minimum_age > service.maximum_age):
            raise ValidationError({"maximum_age": "The maximum age must not be below the minimum age."})
        service.save()
        service.attributes.exclude(taxonomy_term__in=terms).delete()
        for term in terms:
            m.Attribute.objects.get_or_create(service=service, taxonomy_term=term)
        service.phones.all().delete()
        if phone.strip():
            m.Phone.objects.create(service=service, number=phone.strip())
        service.schedules.all().delete()
        if opening != "none":
            m.Schedule.objects.create(
                service=service, byday="MO,TU,WE,TH,FR" if opening == "weekdays" else "MO,TU,WE,TH,FR,SA,SU",
                all_day=opening == "24/7", opens_at=None if opening == "24/7" else opens_at,
                closes_at=None if opening == "24/7" else closes_at,
                open_on_bank_holidays=True if opening == "24/7" else open_on_bank_holidays,
            )
        old_links = list(service.service_at_locations.select_related("location"))
        service.service_at_locations.all().delete()
        for link in old_links:
            if not link.location.service_at_locations.exists() and link.location.organization_id == organization.pk:
                link.location.delete()
        if located:
            location = m.Location.objects.create(
                organization=organization, name=service.name, address_1=address_1.strip(), city=city.strip(),
                postal_code=normal, latitude=lat, longitude=lon, lsoa_code=lsoa)
            m.ServiceAtLocation.objects.create(service=service, location=location)
        refresh_points([service.pk])
        after = {f: getattr(service, f) for f in SERVICE_FIELDS}
        after["terms"] = ",".join(sorted(t.code for t in terms))
        changes = {f: (before.get(f), after[f]) for f in after if before.get(f) != after[f]}
        _record(actor.get_username(), service, "create" if creating else "update", changes)
        record_event(actor, "directory.service.create" if creating else "directory.service.update",
                     object_type="directory_service", object_id=service.pk,
                     details={"name": service.name, "changed": sorted(changes)})
    return service


def mark_reviewed(actor: User, service: m.Service) -> m.Service:
    """Confirm an entry is still correct today."""
    _require_scope(actor, service.organization)
    with transaction.atomic():
        current = m.Service.objects.select_for_update().get(pk=service.pk)
        previous = current.last_reviewed
        current.last_reviewed = timezone.localdate()
        current.reviewed_by = actor.get_username()
        current.save(update_fields=["last_reviewed", "reviewed_by"])
        _record(actor.get_username(), current, "review", {"last_reviewed": (previous, current.last_reviewed)})
        record_event(actor, "directory.service.review", object_type="directory_service", object_id=current.pk)
    return current


# --- import and postcodes -----------------------------------------------------------------------------------------


@cache
def schema_validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator for one vendored ORUK schema, resolving its ``$ref`` to the other vendored files."""
    from referencing import Registry, Resource

    resources = [(p.name, Resource.from_contents(json.loads(p.read_text()))) for p in SCHEMA_DIR.glob("*.json")]
    registry = Registry().with_resources(resources)
    schema = json.loads((SCHEMA_DIR / name).read_text())
    return jsonschema.Draft202012Validator(schema, registry=registry,
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


class ImportProblems(ValidationError):
    """Every problem found in an import, each naming the record and field."""


def import_too_large(size: int) -> str | None:
    """Why an import of ``size`` bytes is refused, or None when it is within the cap."""
    cap = settings.DIRECTORY_IMPORT_MAX_BYTES
    if size <= cap:
        return None
    return f"The file is larger than the {cap / 1024 / 1024:g} MiB an import may be. Split it into smaller files."


def parse_import(data: bytes):
    """The JSON of an ORUK import file or request body, or ``ImportProblems`` saying why it cannot be read."""
    too_large = import_too_large(len(data))
    if too_large:
        raise ImportProblems([too_large])
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ImportProblems(["The file is not JSON: it is not UTF-8 text."]) from error
    except RecursionError as error:
        raise ImportProblems(["The file is not JSON this service can read: it is nested too deeply."]) from error
    except ValueError as error:
        raise ImportProblems([f"The file is not JSON: {error}"]) from error


def _schedule_from(data: dict) -> dict:
    def parse(value):
        return time.fromisoformat(value[:5]) if value else None

    opens, closes = parse(data.get("opens_at")), parse(data.get("closes_at"))
    all_day = opens == time(0) and closes in (time(23, 59), time(0))
    return {"byday": data.get("byday") or "MO,TU,WE,TH,FR,SA,SU", "opens_at": None if all_day else opens,
            "closes_at": None if all_day else closes, "all_day": all_day,
            "open_on_bank_holidays": "closed on bank holidays" not in (data.get("description") or "").lower(),
            "notes": data.get("notes") or ""}


def import_services(actor: User, payload) -> dict[str, int]:
    """Import ORUK fully nested services (a list, or a page with ``contents``), all or nothing.

    Each service must validate against the ORUK service schema, belong to an organisation the actor may maintain
    (by ``organization.id``), and use known taxonomy terms. Existing services with the same id are replaced.
    Every row is then checked by the models' own validation, as the editor's forms are.
    Raises ``ImportProblems`` listing every problem as ``services[i] (name) field: message``; nothing is written.
    """
    require_permission(actor, Permission.MANAGE_DIRECTORY)
    records = payload.get("contents") if isinstance(payload, dict) else payload
    if not isinstance(records, list):
        raise ImportProblems(["The file must hold a list of ORUK services, or a page with a contents list."])
    validator = schema_validator("service.json")
    allowed = {str(pk) for pk in editable_organizations(actor).values_list("id", flat=True)}
    terms = {str(t.id): t for t in m.TaxonomyTerm.objects.all()}
    problems: list[str] = []
    for index, record in enumerate(records):
        label = _label(index, record)
        for error in validator.iter_errors(record):
            where = "/".join(str(p) for p in error.absolute_path) or "(record)"
            problems.append(f"{label} {where}: {error.message}")
        if not isinstance(record, dict):
            continue
        org_id = record.get("organization_id") or (record.get("organization") or {}).get("id")
        if str(org_id) not in allowed:
            problems.append(f"{label} organization_id: {org_id!r} is not an organisation you maintain.")
        for n, attribute in enumerate(record.get("attributes") or []):
            if isinstance(attribute, dict) and str(attribute.get("taxonomy_term_id")) not in terms:
                problems.append(f"{label} attributes/{n}/taxonomy_term_id: unknown taxonomy term "
                                f"{attribute.get('taxonomy_term_id')!r}.")
        for n, sal in enumerate(record.get("service_at_locations") or []):
            loc = (sal or {}).get("location") or {} if isinstance(sal, dict) else {}
            if isinstance(loc, dict) and (loc.get("latitude") is None) != (loc.get("longitude") is None):
                problems.append(f"{label} service_at_locations/{n}/location: give both latitude and longitude.")
    if problems:
        raise ImportProblems(problems)
    now = timezone.now()
    built = [_build_service(record, terms, now, _label(index, record), problems)
             for index, record in enumerate(records)]
    if problems:
        raise ImportProblems(problems)
    counts = {"created": 0, "replaced": 0}
    with transaction.atomic():
        for service, children in built:
            existing = m.Service.objects.filter(pk=service.pk).first()
            if existing is not None:
                _require_scope(actor, existing.organization)
                existing.delete()
            service.save(force_insert=True)
            for term in children["terms"]:
                m.Attribute.objects.get_or_create(service=service, taxonomy_term=term)
            for child in children["phones"] + children["schedules"]:
                child.service = service
                child.save()
            for location in children["locations"]:
                location.save()
                m.ServiceAtLocation.objects.create(service=service, location=location)
            service.area_wide = not any(loc.location_type == "physical" for loc in children["locations"])
            service.save(update_fields=["area_wide"])
            counts["replaced" if existing else "created"] += 1
            _record(actor.get_username(), service, "import", {})
        refresh_points([service.pk for service, _ in built])
        record_event(actor, "directory.import", object_type="directory_service", details=counts)
    return counts


def _label(index: int, record) -> str:
    label = f"services[{index}]"
    if isinstance(record, dict) and isinstance(record.get("name"), str):
        label += f" ({record['name']})"
    return label


def _website(record: dict) -> str:
    """The service's own website: an export gives a service without one this site's page for it as its url
    (ORUK requires a url), which is not a website to store."""
    url = record.get("url") or ""
    own_page = reverse("directory:service", args=[record["id"]])
    return "" if urlsplit(url).path == own_page else url


def _build_service(record: dict, terms: dict, now, label: str, problems: list[str]):
    """One record's service and the rows beneath it, unsaved, each checked by the same model validation as the
    editor's (field lengths, web addresses, ages); problems are added to ``problems`` as ``label path: message``."""
    def check(instance, path: str, exclude: list[str]) -> None:
        try:
            instance.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                where = f"{path}{field}" if field != NON_FIELD_ERRORS else path.rstrip("/") or "(record)"
                problems.extend(f"{label} {where}: {message}" for message in messages)

    try:
        service = m.Service(
            id=uuid.UUID(record["id"]), organization_id=record.get("organization_id") or record["organization"]["id"],
            name=record["name"], description=record.get("description") or "", url=_website(record),
            email=record.get("email") or "", status=record["status"],
            eligibility_description=record.get("eligibility_description") or "",
            minimum_age=record.get("minimum_age"), maximum_age=record.get("maximum_age"),
            alert=record.get("alert") or "", last_modified=now,
            last_reviewed=date.fromisoformat(record["assured_date"][:10]) if record.get("assured_date") else None,
        )
        phones = [m.Phone(number=phone.get("number") or "") for phone in record.get("phones") or []]
        schedules = [m.Schedule(**_schedule_from(schedule)) for schedule in record.get("schedules") or []]
        locations = []
        for sal in record.get("service_at_locations") or []:
            loc = sal.get("location") or {}
            address = (loc.get("addresses") or [{}])[0]
            locations.append(m.Location(
                organization_id=service.organization_id, name=loc.get("name") or service.name,
                location_type="physical" if loc.get("latitude") is not None else "virtual",
                latitude=loc.get("latitude"), longitude=loc.get("longitude"),
                address_1=address.get("address_1") or "", city=address.get("city") or "",
                postal_code=normalise_postcode(address.get("postal_code")) or ""))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        problems.append(f"{label}: cannot be read ({error}).")
        return None, {}
    check(service, "", ["organization"])
    if (service.minimum_age is not None and service.maximum_age is not None
            and service.minimum_age > service.maximum_age):
        problems.append(f"{label} maximum_age: the maximum age must not be below the minimum age.")
    for n, phone in enumerate(phones):
        check(phone, f"phones/{n}/", ["service", "contact"])
    for n, schedule in enumerate(schedules):
        check(schedule, f"schedules/{n}/", ["service"])
    for n, location in enumerate(locations):
        check(location, f"service_at_locations/{n}/location/", ["organization"])
    children = {"terms": [terms[a["taxonomy_term_id"]] for a in record.get("attributes") or []],
                "phones": phones, "schedules": schedules, "locations": locations}
    return service, children


def read_postcode_csv(path: Path) -> list[dict]:
    """Rows of an ONS Postcode Directory / NSPL CSV (``pcds``, ``lat``, ``long``, ``lsoa21`` or ``lsoa11``)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        fields = set(reader.fieldnames or [])
        missing = {"pcds", "lat", "long"} - fields
        lsoa_field = "lsoa21" if "lsoa21" in fields else "lsoa11" if "lsoa11" in fields else None
        if missing or lsoa_field is None:
            raise ValidationError(f"{path.name}: needs columns pcds, lat, long and lsoa21 or lsoa11; missing "
                                  f"{', '.join(sorted(missing | ({'lsoa21'} if lsoa_field is None else set())))}.")
        return [{"postcode": r["pcds"], "lsoa_code": r[lsoa_field], "latitude": r["lat"], "longitude": r["long"]}
                for r in reader]


def load_postcodes(rows: Iterable[Mapping], *, system_actor: str) -> int:
    """Replace the postcode directory with ``rows`` (postcode, lsoa_code, latitude, longitude), all or nothing.

    Postcodes without a grid reference (ONS marks them with latitude 99.999999) are skipped.
    """
    postcodes: dict[str, m.Postcode] = {}
    for number, row in enumerate(rows, start=1):
        normal = normalise_postcode(str(row.get("postcode") or ""))
        if normal is None:
            raise ValidationError(f"Row {number}: {row.get('postcode')!r} is not a postcode.")
        try:
            lat, lon = float(row["latitude"]), float(row["longitude"])
        except (TypeError, ValueError, KeyError) as error:
            raise ValidationError(f"Row {number} ({normal}): latitude and longitude must be numbers.") from error
        if lat > 90:
            continue
        postcodes[normal] = m.Postcode(postcode=normal, lsoa_code=str(row.get("lsoa_code") or "")[:9],
                                       latitude=lat, longitude=lon)
    with transaction.atomic():
        m.Postcode.objects.all().delete()
        m.Postcode.objects.bulk_create(postcodes.values(), batch_size=5000)
        record_event(None, "directory.postcodes.load", object_type="postcode", details={"count": len(postcodes)},
                     system_actor=system_actor)
    return len(postcodes)
