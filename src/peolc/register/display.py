"""How each section of a record reads on screen: label and value rows for the NHS.UK summary list."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models

from peolc import nhs_number
from peolc.core.jinja import longdate
from peolc.core.models import AuditEvent
from peolc.register import models as m
from peolc.register.sections import SECTIONS, content_fields

_EMPTY = "Not recorded"
# Kept for access control, not for reading.
_NOT_SHOWN = {"user"}


def format_value(instance: models.Model, field: models.Field) -> str:
    """A field's value as a person reads it: choice labels, dates as 5 March 2026, yes/no."""
    value = getattr(instance, field.name)
    if value in (None, ""):
        return _EMPTY
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return longdate(value)
    if field.name == "nhs_number" and nhs_number.is_valid(value):
        return nhs_number.format(value)
    return str(value)


def label_for(field: models.Field) -> str:
    label = str(field.verbose_name)
    return label[:1].upper() + label[1:]


def rows_for_instance(instance: models.Model | None, labels: dict[str, str] | None = None) -> list[dict]:
    """Summary-list rows for one model instance (empty when nothing is recorded)."""
    if instance is None:
        return []
    labels = labels or {}
    rows = []
    for name in content_fields(type(instance)):
        if name in _NOT_SHOWN:
            continue
        field = type(instance)._meta.get_field(name)
        assert isinstance(field, models.Field)  # content fields are concrete: no relations or generic keys
        rows.append({"key": {"text": labels.get(name, label_for(field))},
                     "value": {"text": format_value(instance, field)}})
    return rows


def one_to_one(person: m.Person, related_name: str) -> Any:
    """The person's row of a one-to-one section, or None when nothing is recorded.

    Typed ``Any`` as ``getattr`` is: the row's model depends on ``related_name``.
    """
    try:
        return getattr(person, related_name)
    except models.ObjectDoesNotExist:
        return None


def section_content(person: m.Person, name: str) -> dict:
    """What a section holds, as ``{"rows": [...], "items": [[...], ...]}`` for the templates."""
    section = SECTIONS[name]
    content: dict = {"rows": [], "items": []}
    if section.singleton_model is m.Person:
        content["rows"] = rows_for_instance(person, section.labels)
    elif section.singleton_model is not None:
        content["rows"] = rows_for_instance(one_to_one(person, section.singleton_related_name), section.labels)
    if section.list_model is not None:
        content["items"] = [rows_for_instance(item) for item in getattr(person, section.list_related_name).all()]
    return content


EVENT_DESCRIPTIONS = {
    "record.view": "Viewed", "record.view_refused": "Was refused access to", "record.update": "Changed",
    "record.review": "Reviewed", "record.break_glass": "Used emergency access (break-glass) to",
    "record.break_glass_review": "Reviewed emergency access to", "register.add": "Added to the register",
    "record.update_refused": "Was refused a change to", "record.review_refused": "Was refused a review of",
    "record.break_glass_page": "Opened the emergency access (break-glass) page for",
}


def describe_event(event: AuditEvent) -> str:
    """One audit event in plain English for the access report."""
    verb = EVENT_DESCRIPTIONS.get(event.action, event.action)
    what = event.details.get("what") or event.details.get("section") or ""
    if event.action == "register.add":
        return verb
    prefix, _, section = what.partition(":")
    if section in SECTIONS and prefix in ("history", "edit"):
        what = {"history": "the history of ", "edit": "for editing: "}[prefix] + SECTIONS[section].title
    else:
        what = {"record": "the record", "emergency_summary": "the emergency summary",
                "access_report": "this access report"}.get(what, SECTIONS[what].title.lower() if what in SECTIONS
                                                              else what)
    return f"{verb} {what}".strip()
