"""The sections of a record: what each holds, who may change it, and how it is snapshotted for its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models

from peolc.core.permissions import Permission
from peolc.register import models as m


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    # Sections holding clinical decisions may be changed by clinicians only.
    clinical: bool = False
    # A single row per person (one-to-one) or a list of rows.
    singleton_model: type[models.Model] | None = None
    list_model: type[models.Model] | None = None
    list_related_name: str = ""

    @property
    def edit_permissions(self) -> tuple[Permission, ...]:
        if self.clinical:
            return (Permission.EDIT_RECORD, Permission.RECORD_CLINICAL_DECISION)
        return (Permission.EDIT_RECORD,)


SECTIONS: dict[str, Section] = {
    s.name: s
    for s in (
        Section("person", "Personal details", singleton_model=m.Person),
        Section("entry", "Register entry", singleton_model=m.RegisterEntry),
        Section("preferences", "Preferences and what matters", singleton_model=m.Preferences),
        Section("respect", "ReSPECT and CPR decision", clinical=True, singleton_model=m.RespectDecision),
        Section("acp", "Advance care planning", singleton_model=m.AdvanceCarePlan),
        Section("care_team", "Care team", list_model=m.CareTeamMember, list_related_name="care_team"),
        Section("carers", "Carers and family", list_model=m.Carer, list_related_name="carers"),
        Section("medicines", "Anticipatory medicines and equipment", clinical=True,
                singleton_model=m.AnticipatoryCare, list_model=m.AnticipatoryMedicine,
                list_related_name="anticipatory_medicines"),
        Section("after_death", "After death", singleton_model=m.AfterDeath),
    )
}

_NOT_CONTENT = {"id", "person", "patient_id"}


def content_fields(model: type[models.Model]) -> list[str]:
    """The fields of a section model that hold record content (not keys)."""
    return [
        f.name for f in model._meta.concrete_fields
        if f.name not in _NOT_CONTENT and not (model is m.Person and f.primary_key)
    ]


def _json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(getattr(value, "code", value.pk))
    return value


def row_snapshot(instance: models.Model) -> dict[str, Any]:
    """A row's content as JSON-friendly values (related organisations by code)."""
    return {name: _json_value(getattr(instance, name)) for name in content_fields(type(instance))}


def section_data(section: Section, singleton: models.Model | None, items: list[models.Model]) -> dict[str, Any]:
    """A section's content as stored in its history: its single row, its list of rows, or both."""
    if section.list_model is None:
        return row_snapshot(singleton) if singleton is not None else {}
    data: dict[str, Any] = {}
    if section.singleton_model is not None:
        data["details"] = row_snapshot(singleton) if singleton is not None else {}
    data["items"] = [row_snapshot(item) for item in items]
    return data


def snapshot(person: m.Person, section: Section) -> dict[str, Any]:
    """The whole current content of ``section`` for ``person``; empty when nothing is recorded yet."""
    if section.singleton_model is m.Person:
        singleton: models.Model | None = person
    elif section.singleton_model is not None:
        singleton = section.singleton_model.objects.filter(person=person).first()
    else:
        singleton = None
    items = list(section.list_model.objects.filter(person=person).order_by("pk")) if section.list_model else []
    return section_data(section, singleton, items)


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Top-level keys whose values changed, with their old and new values."""
    keys = sorted(set(before) | set(after))
    return {k: {"from": before.get(k), "to": after.get(k)} for k in keys if before.get(k) != after.get(k)}
