"""The register as the analytics pipelines see it: the contract's ``register_snapshot`` table.

Choices made where the register and the contract differ:

- ``patient_id``: the person's pseudonymous id from the linked data when they have one; otherwise a stable negative
  id derived from their random record UUID (``-(first 62 bits + 1)``), so it never clashes with a linked-data id,
  never changes between exports, and carries nothing identifying.
- ``coordinator_date``: the date of the first saved version of the care team section that names a coordinator
  (the date the coordinator was first recorded, even if the team changed later).
- ``preferred_place_date``: when the preference was discussed, or failing that the date the preferences section
  was last saved.
- ``removal_reason`` is ``died`` for people who died (the register entry records that as its status).
- As at a past date, people added later are left out, a removal after that date is not shown, and a dated item
  (plan, assessment, prescription, decision) dated after it counts as not yet recorded.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.db.models import Prefetch
from django.utils import timezone

from peolc.analytics import contract
from peolc.core.audit import record_event
from peolc.register import models as m
from peolc.register.choices import CareTeamRole, RegisterStatus

TABLE_NAME = "register_snapshot"
SYSTEM_ACTOR = "peolc register export"
FORMATS = ("parquet", "csv")


def surrogate_patient_id(person_id: uuid.UUID) -> int:
    """The stable negative ``patient_id`` of a person who has none from the linked data."""
    return -((person_id.int >> 66) + 1)


def _local_date(moment) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def _first_coordinator_dates() -> dict[uuid.UUID, date | None]:
    """For each person, the date of the first care team version naming a coordinator."""
    found: dict[uuid.UUID, date | None] = {}
    versions = m.SectionVersion.objects.filter(section="care_team").order_by("person_id", "version")
    for person_id, data, changed_at in versions.values_list("person_id", "data", "changed_at").iterator():
        if person_id not in found and any(
            item.get("role") == CareTeamRole.COORDINATOR for item in data.get("items", [])
        ):
            found[person_id] = _local_date(changed_at)
    return found


def _row(person: m.Person, as_at: date, coordinator_dates: dict, preference_saved: dict) -> dict:
    def known(value: date | None) -> date | None:
        return value if value is not None and value <= as_at else None

    entry = person.entry
    removed = known(entry.removed_on)
    acp = getattr(person, "acp", None)
    acp_recorded = acp is not None and (acp.documented or acp.discussed) and (acp.plan_date or date.min) <= as_at
    preferences = getattr(person, "preferences", None)
    place = preferences.preferred_place_of_death if preferences else ""
    place_date = known(preferences.discussed_on or preference_saved.get(person.pk)) if preferences and place else None
    coordinator_date = known(coordinator_dates.get(person.pk))
    has_coordinator = any(member.role == CareTeamRole.COORDINATOR for member in person.care_team.all())
    respect = getattr(person, "respect", None)
    cpr_date = known(respect.decided_on) if respect else None
    return {
        "patient_id": person.patient_id if person.patient_id is not None else surrogate_patient_id(person.pk),
        "practice_code": person.practice.code,
        "date_added": entry.date_added,
        "date_removed": removed,
        "removal_reason": (
            None if removed is None else "died" if entry.status == RegisterStatus.DIED else entry.removal_reason or None
        ),
        "prognosis": entry.prognosis,
        "diagnosis_group": entry.main_diagnosis,
        "acp": acp_recorded,
        "acp_date": known(acp.plan_date) if acp is not None and acp_recorded else None,
        "preferred_place_of_death": place or None,
        "preferred_place_date": place_date,
        # A coordinator first named after ``as_at`` was not yet recorded; one with no saved version (loaded
        # straight into the tables) is counted, undated.
        "coordinator": has_coordinator and (coordinator_date is not None or person.pk not in coordinator_dates),
        "coordinator_date": coordinator_date if has_coordinator else None,
        "carer": bool(person.carers.all()),
        "carer_assessment_date": known(min(
            (carer.assessment_completed_on for carer in person.carers.all() if carer.assessment_completed_on),
            default=None,
        )),
        "anticipatory_medicines_date": known(min(
            (medicine.prescribed_on for medicine in person.anticipatory_medicines.all()), default=None
        )),
        "cpr_decision": cpr_date is not None,
        "cpr_decision_date": cpr_date,
    }


def register_snapshot_table(as_at: date | None = None) -> pa.Table:
    """Everyone on the register on or before ``as_at`` (default today), one row each, in the contract's shape."""
    as_at = as_at or timezone.localdate()
    spec = contract.table(TABLE_NAME)
    people = (
        m.Person.objects.filter(entry__date_added__lte=as_at)
        .select_related("practice", "entry", "acp", "preferences", "respect")
        .prefetch_related(
            Prefetch("care_team", queryset=m.CareTeamMember.objects.only("person_id", "role")),
            "carers", "anticipatory_medicines",
        )
        .order_by("entry__date_added", "pk")
    )
    coordinator_dates = _first_coordinator_dates()
    preference_saved = {
        person_id: _local_date(updated_at)
        for person_id, updated_at in m.RecordSection.objects.filter(name="preferences")
        .values_list("person_id", "updated_at")
    }
    rows = [_row(person, as_at, coordinator_dates, preference_saved) for person in people]
    columns = {col.name: [row[col.name] for row in rows] for col in spec.columns}
    return pa.Table.from_pydict(columns, schema=spec.schema)


def write_register_snapshot(out_dir: str | Path, format: str = "parquet", as_at: date | None = None) -> Path:
    """Write ``register_snapshot.parquet`` (or ``.csv``) into ``out_dir`` and audit the export; return its path."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    as_at = as_at or timezone.localdate()
    table = register_snapshot_table(as_at)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{TABLE_NAME}.{format}"
    # Write beside the target and rename, so a pipeline never reads a half-written snapshot.
    partial = path.with_name(path.name + ".partial")
    if format == "parquet":
        pq.write_table(table, partial)
    else:
        pacsv.write_csv(table, partial)
    partial.replace(path)
    record_event(None, "register.export", object_type="register", system_actor=SYSTEM_ACTOR,
                 details={"format": format, "as_at": as_at.isoformat(), "rows": table.num_rows})
    return path
