"""Organisation use cases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from peolc.core.actions import apply_changes, require_permission
from peolc.core.audit import record_event
from peolc.core.models import Organisation, OrganisationType, User
from peolc.core.permissions import Permission

T = OrganisationType
_SERVICE_PROVIDERS = {
    T.ACUTE_TRUST, T.COMMUNITY_PROVIDER, T.HOSPICE, T.CARE_HOME, T.URGENT_CARE,
    T.AMBULANCE_SERVICE, T.PHARMACY, T.LOCAL_AUTHORITY,
}
# Which kinds of organisation may sit directly under which.
ALLOWED_PARENT_TYPES: dict[str, set[str | None]] = {
    T.ICB: {None},
    T.LOCALITY: {T.ICB},
    T.PCN: {T.LOCALITY},
    T.GP_PRACTICE: {T.PCN},
    **{kind: {T.ICB, T.LOCALITY} for kind in _SERVICE_PROVIDERS},
}
_EDITABLE_FIELDS = ("name", "type", "parent", "postcode", "active")


def _check_hierarchy(organisation: Organisation) -> None:
    parent = organisation.parent
    parent_type = parent.type if parent else None
    if parent_type not in ALLOWED_PARENT_TYPES[organisation.type]:
        kind = OrganisationType(organisation.type).label
        if parent is None:
            raise ValidationError({"parent": f"A {kind.lower()} must have a parent organisation."})
        raise ValidationError(
            {"parent": f"A {kind.lower()} cannot sit under a {OrganisationType(parent.type).label.lower()}."}
        )
    if parent is not None and organisation.pk is not None:
        ancestor_ids = {parent.pk, *(a.pk for a in parent.ancestors())}
        if organisation.pk in ancestor_ids:
            raise ValidationError({"parent": "An organisation cannot sit under itself."})


def _derive_locality(organisation: Organisation) -> Organisation | None:
    if organisation.type == T.LOCALITY:
        return None
    for node in ([organisation.parent] if organisation.parent else []) + (
        organisation.parent.ancestors() if organisation.parent else []
    ):
        if node.type == T.LOCALITY:
            return node
    return None


def _validated(organisation: Organisation) -> Organisation:
    organisation.code = organisation.code.strip().upper()
    organisation.postcode = organisation.postcode.strip().upper()
    organisation.full_clean()
    _check_hierarchy(organisation)
    organisation.locality = _derive_locality(organisation)
    return organisation


def create_organisation(
    actor: User | None,
    *,
    code: str,
    name: str,
    type: str,
    parent: Organisation | None = None,
    postcode: str = "",
    system_actor: str | None = None,
) -> Organisation:
    """Add an organisation to the ICS hierarchy.

    ``actor`` is None only for the system's own loading (``system_actor`` names the command).
    """
    if system_actor is None:
        require_permission(actor, Permission.MANAGE_ORGANISATIONS)
    organisation = _validated(Organisation(code=code, name=name, type=type, parent=parent, postcode=postcode))
    with transaction.atomic():
        organisation.save()
        record_event(
            actor, "organisation.create", object_type="organisation", object_id=organisation.code,
            details={"name": organisation.name, "type": organisation.type,
                     "parent": parent.code if parent else None},
            system_actor=system_actor or "system",
        )
    return organisation


def update_organisation(actor: User, organisation: Organisation, **changes) -> Organisation:
    """Change an organisation's name, type, parent, postcode or active flag."""
    require_permission(actor, Permission.MANAGE_ORGANISATIONS)
    with transaction.atomic():
        current = Organisation.objects.select_for_update().get(pk=organisation.pk)
        changed = apply_changes(current, changes, allowed=_EDITABLE_FIELDS, validate=_validated)
        if changed:
            current.save()
            # Children's locality follows their parent; re-derive for the subtree.
            _refresh_descendant_localities(current)
            record_event(actor, "organisation.update", object_type="organisation", object_id=current.code,
                         details={"changed": changed})
    return current


def _refresh_descendant_localities(organisation: Organisation) -> None:
    for child in organisation.children.all():
        child.locality = _derive_locality(child)
        child.save(update_fields=["locality"])
        _refresh_descendant_localities(child)


def load_organisations(rows: Iterable[Mapping[str, str | None]], *, system_actor: str) -> dict[str, int]:
    """Create or update organisations from contract rows, all or nothing.

    Each row has ``code, name, type, parent, postcode`` and, for practices, an optional ``registered_population``.

    Rows may come in any order: parents are resolved after every row is known. Returns counts of created,
    updated and unchanged organisations. Raises ``ValidationError`` naming the row for the first bad one.
    """
    rows = list(rows)
    by_code: dict[str, Mapping[str, str | None]] = {}
    for number, row in enumerate(rows, start=1):
        code = (row.get("code") or "").strip().upper()
        if not code:
            raise ValidationError(f"Row {number}: code is missing.")
        if code in by_code:
            raise ValidationError(f"Row {number}: code {code} appears more than once.")
        if (row.get("type") or "") not in OrganisationType.values:
            raise ValidationError(f"Row {number} ({code}): unknown organisation type {row.get('type')!r}.")
        by_code[code] = row
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        existing = {o.code: o for o in Organisation.objects.all()}
        done: set[str] = set()

        def upsert(code: str, trail: tuple[str, ...] = ()) -> Organisation:
            if code in done:
                return existing[code]
            if code in trail:
                raise ValidationError(f"Organisation {code}: its parents form a loop.")
            row = by_code[code]
            parent_code = (row.get("parent") or "").strip().upper() or None
            parent = None
            if parent_code:
                if parent_code in by_code:
                    parent = upsert(parent_code, (*trail, code))
                elif parent_code in existing:
                    parent = existing[parent_code]
                else:
                    raise ValidationError(f"Organisation {code}: parent {parent_code} is not known.")
            organisation = existing.get(code) or Organisation(code=code)
            before = (organisation.name, organisation.type, organisation.parent_id, organisation.postcode,
                      organisation.registered_population)
            organisation.name = row.get("name") or ""
            organisation.type = row.get("type") or ""
            organisation.parent = parent
            organisation.postcode = row.get("postcode") or ""
            organisation.registered_population = row.get("registered_population")
            try:
                _validated(organisation)
            except ValidationError as error:
                raise ValidationError(f"Organisation {code}: {'; '.join(error.messages)}") from error
            after = (organisation.name, organisation.type, organisation.parent_id, organisation.postcode,
                     organisation.registered_population)
            if organisation.pk is None:
                counts["created"] += 1
                organisation.save()
            elif before != after:
                counts["updated"] += 1
                organisation.save()
            else:
                counts["unchanged"] += 1
            existing[code] = organisation
            done.add(code)
            return organisation

        for code in by_code:
            upsert(code)
        record_event(None, "organisation.load", object_type="organisation", details=counts,
                     system_actor=system_actor)
    return counts
