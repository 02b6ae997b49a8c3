"""The sections of a record, each declared once: what it holds, the forms that edit it, how its fields are labelled,
who may change it, and how it is snapshotted for its history.

Adding a section takes its model (and migration) and one ``Section`` in ``SECTIONS``; the record page, the edit and
history pages, the actions, the emergency summary's review notes and the loaders all read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django import forms
from django.db import models

from peolc.core.permissions import Permission
from peolc.register import forms as f
from peolc.register import models as m


@dataclass(frozen=True, kw_only=True)
class Section:
    """One section of a record: its content model(s), the forms that edit them, and who may change it."""

    name: str
    title: str
    # The form for the section's single row (with its review date); a list-only section's form holds just the
    # review date. Its ``Meta.labels`` are also how the record page labels the row's fields.
    form: type[forms.BaseForm]
    # The formset for the section's list of rows, when it has one.
    formset: type[forms.BaseFormSet] | None = None
    # Sections holding clinical decisions may be changed by clinicians only.
    clinical: bool = False
    # A single row per person (one-to-one) or a list of rows.
    singleton_model: type[models.Model] | None = None
    list_model: type[models.Model] | None = None
    list_related_name: str = ""

    @property
    def edit_permissions(self) -> tuple[Permission, ...]:
        """The permissions a user needs, all of them, to change this section."""
        if self.clinical:
            return (Permission.EDIT_RECORD, Permission.RECORD_CLINICAL_DECISION)
        return (Permission.EDIT_RECORD,)

    def may_edit(self, user) -> bool:
        """Whether ``user``'s role lets them change this section (their relationship with the person aside)."""
        return all(user.has_permission(p) for p in self.edit_permissions)

    @property
    def singleton_related_name(self) -> str:
        """The person's attribute holding the section's single row (``""`` when it is the person themselves)."""
        if self.singleton_model is None or self.singleton_model is m.Person:
            return ""
        person = self.singleton_model._meta.get_field("person")
        assert isinstance(person, models.OneToOneField) and person.remote_field.related_name
        return person.remote_field.related_name

    @property
    def labels(self) -> dict[str, str]:
        """Labels for the single row's fields where the form words them differently from the model."""
        return dict(getattr(getattr(self.form, "Meta", None), "labels", None) or {})

    @property
    def list_fields(self) -> list[str]:
        """The fields of a list row that the section's formset edits."""
        return list(self.formset.form.base_fields) if self.formset is not None else []


SECTIONS: dict[str, Section] = {
    s.name: s
    for s in (
        Section(name="person", title="Personal details", singleton_model=m.Person, form=f.PersonForm),
        Section(name="entry", title="Register entry", singleton_model=m.RegisterEntry, form=f.EntryForm),
        Section(name="preferences", title="Preferences and what matters", singleton_model=m.Preferences,
                form=f.PreferencesForm),
        Section(name="respect", title="ReSPECT and CPR decision", clinical=True, singleton_model=m.RespectDecision,
                form=f.RespectForm),
        Section(name="acp", title="Advance care planning", singleton_model=m.AdvanceCarePlan, form=f.AcpForm),
        Section(name="care_team", title="Care team", list_model=m.CareTeamMember, list_related_name="care_team",
                form=f.ReviewDateMixin, formset=f.CareTeamFormSet),
        Section(name="carers", title="Carers and family", list_model=m.Carer, list_related_name="carers",
                form=f.ReviewDateMixin, formset=f.CarerFormSet),
        Section(name="medicines", title="Anticipatory medicines and equipment", clinical=True,
                singleton_model=m.AnticipatoryCare, form=f.AnticipatoryCareForm,
                list_model=m.AnticipatoryMedicine, list_related_name="anticipatory_medicines",
                formset=f.MedicineFormSet),
        Section(name="after_death", title="After death", singleton_model=m.AfterDeath, form=f.AfterDeathForm),
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
        singleton = section.singleton_model._default_manager.filter(person=person).first()
    else:
        singleton = None
    items = list(section.list_model._default_manager.filter(person=person).order_by("pk")) if section.list_model else []
    return section_data(section, singleton, items)


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Top-level keys whose values changed, with their old and new values."""
    keys = sorted(set(before) | set(after))
    return {k: {"from": before.get(k), "to": after.get(k)} for k in keys if before.get(k) != after.get(k)}
