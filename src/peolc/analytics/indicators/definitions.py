"""Indicator definitions: one JSON file per indicator in ``definitions/``, loaded and validated here.

An indicator is data, not code (the OpenPrescribing "measures as data" pattern): its file names the cohort its
numerator and denominator count, the conditions on that cohort's person-level columns, the statistical method, the
periods and breakdowns it is published for, its polarity, its suppression rule, and who wrote and checked it and
when it is reviewed. The engine reads every file and
computes them all; the documentation pages and the ``indicator_definitions`` output are generated from the same files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from peolc.analytics.indicators.cohorts import BREAKDOWNS, COHORT_COLUMNS, cohort_breakdowns

PERIOD_TYPES = ("calendar_year", "financial_year", "quarter", "rolling_12_months")
TYPES = {
    "proportion": "wilson",
    "rate": "byar",
    "ratio": "byar",
    "dsr": "dobson",
    "median": "none",
}
POLARITIES = ("higher_is_better", "lower_is_better", "no_judgement")
OPERATORS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "is_true", "is_false", "not_null")
REQUIRED_FIELDS = (
    "id",
    "title",
    "description",
    "ambitions",
    "type",
    "numerator",
    "denominator",
    "multiplier",
    "unit",
    "period_types",
    "breakdowns",
    "statistical_method",
    "polarity",
    "suppression",
    "rationale",
    "source",
    "references",
    "authored_by",
    "checked_by",
    "last_reviewed",
    "review_date",
)

Condition = tuple[str, str, Any]


@dataclass(frozen=True)
class Count:
    """One side of an indicator: count people in ``cohort`` meeting every condition, or sum/median a column."""

    cohort: str
    description: str
    where: tuple[Condition, ...]
    sum: str | None = None
    median: str | None = None
    expected_factor: float | None = None


@dataclass(frozen=True)
class Definition:
    """A validated indicator definition (see ``docs/indicators/README.md`` for every field)."""

    id: str
    title: str
    description: str
    ambitions: tuple[int, ...]
    type: str
    numerator: Count
    denominator: Count
    multiplier: float
    unit: str
    period_types: tuple[str, ...]
    breakdowns: tuple[str, ...]
    statistical_method: str
    polarity: str
    suppression: dict[str, Any]
    rationale: str
    source: str
    references: tuple[str, ...]
    # Governance, as OpenPrescribing's measures carry it: who wrote the definition, who checked it (or that nobody
    # has yet), when it was last reviewed and when it is next due (``review_date``).
    authored_by: str
    checked_by: str
    last_reviewed: date
    review_date: date
    standard_age_bands: int | None
    raw: dict[str, Any]


class DefinitionError(ValueError):
    """A definition file that does not follow the schema."""


def _condition(indicator: str, raw: Any, cohort: str) -> Condition:
    if not isinstance(raw, list) or len(raw) not in (2, 3):
        raise DefinitionError(f"{indicator}: a condition is [column, operator] or [column, operator, value]: {raw!r}")
    column, operator, *rest = raw
    if column not in COHORT_COLUMNS[cohort]:
        raise DefinitionError(f"{indicator}: cohort {cohort!r} has no column {column!r}")
    if operator not in OPERATORS:
        raise DefinitionError(f"{indicator}: unknown operator {operator!r}; use one of {', '.join(OPERATORS)}")
    if (operator in ("is_true", "is_false", "not_null")) == bool(rest):
        raise DefinitionError(f"{indicator}: operator {operator!r} takes {'no' if not rest else 'a'} value")
    return column, operator, rest[0] if rest else None


def _count(indicator: str, raw: Any) -> Count:
    if not isinstance(raw, dict) or raw.get("cohort") not in COHORT_COLUMNS:
        raise DefinitionError(f"{indicator}: numerator and denominator need a cohort from {', '.join(COHORT_COLUMNS)}")
    cohort = raw["cohort"]
    for key in ("sum", "median"):
        if raw.get(key) is not None and raw[key] not in COHORT_COLUMNS[cohort]:
            raise DefinitionError(f"{indicator}: cohort {cohort!r} has no column {raw[key]!r}")
    if not raw.get("description"):
        raise DefinitionError(f"{indicator}: numerator and denominator each need a description")
    return Count(
        cohort=cohort,
        description=raw["description"],
        where=tuple(_condition(indicator, c, cohort) for c in raw.get("where", [])),
        sum=raw.get("sum"),
        median=raw.get("median"),
        expected_factor=raw.get("expected_factor"),
    )


def _date(indicator: str, raw: dict[str, Any], field: str) -> date:
    try:
        return date.fromisoformat(raw[field])
    except (TypeError, ValueError):
        raise DefinitionError(f"{indicator}: {field} is an ISO date (YYYY-MM-DD), not {raw[field]!r}") from None


def parse(raw: dict[str, Any]) -> Definition:
    """Validate one definition (a parsed JSON object) and return it; raise :class:`DefinitionError` if invalid."""
    indicator = raw.get("id", "<no id>")
    missing = [name for name in REQUIRED_FIELDS if name not in raw]
    if missing:
        raise DefinitionError(f"{indicator}: missing {', '.join(missing)}")
    if raw["type"] not in TYPES:
        raise DefinitionError(f"{indicator}: unknown type {raw['type']!r}")
    if raw["statistical_method"] != TYPES[raw["type"]]:
        raise DefinitionError(f"{indicator}: a {raw['type']} uses the {TYPES[raw['type']]} method")
    if raw["polarity"] not in POLARITIES:
        raise DefinitionError(f"{indicator}: unknown polarity {raw['polarity']!r}")
    ambitions = tuple(raw["ambitions"])
    if not ambitions or any(a not in range(1, 7) for a in ambitions):
        raise DefinitionError(f"{indicator}: ambitions are one or more of the national ambitions 1-6")
    if not set(raw["period_types"]) <= set(PERIOD_TYPES) or not raw["period_types"]:
        raise DefinitionError(f"{indicator}: period_types are among {', '.join(PERIOD_TYPES)}")
    if "all" not in raw["breakdowns"] or not set(raw["breakdowns"]) <= set(BREAKDOWNS):
        raise DefinitionError(f"{indicator}: breakdowns include 'all' and come from {', '.join(BREAKDOWNS)}")
    numerator = _count(indicator, raw["numerator"])
    denominator = _count(indicator, raw["denominator"])
    for side in (numerator, denominator):
        unavailable = set(raw["breakdowns"]) - set(cohort_breakdowns(side.cohort))
        if unavailable:
            raise DefinitionError(
                f"{indicator}: cohort {side.cohort!r} has no breakdown {', '.join(sorted(unavailable))}"
            )
    if raw["type"] == "median" and not numerator.median:
        raise DefinitionError(f"{indicator}: a median names the column in numerator.median")
    if raw["type"] == "ratio" and not denominator.expected_factor:
        raise DefinitionError(f"{indicator}: a ratio's denominator gives expected_factor")
    standard = raw.get("standard_age_bands")
    if raw["type"] == "dsr" and not standard:
        raise DefinitionError(f"{indicator}: a dsr gives standard_age_bands (how many ESP 2013 bands from 0-4)")
    if raw["type"] == "dsr" and "age_band" in raw["breakdowns"]:
        raise DefinitionError(f"{indicator}: an age-standardised rate cannot be broken down by age band")
    if not isinstance(raw["suppression"], dict) or "rule" not in raw["suppression"]:
        raise DefinitionError(f"{indicator}: suppression is an object with a rule")
    for field, meaning in (("authored_by", "who wrote"), ("checked_by", "who checked")):
        if not isinstance(raw[field], str) or not raw[field].strip():
            raise DefinitionError(f"{indicator}: {field} names {meaning} the definition")
    last_reviewed, review_date = _date(indicator, raw, "last_reviewed"), _date(indicator, raw, "review_date")
    if review_date <= last_reviewed:
        raise DefinitionError(f"{indicator}: review_date (the next review) is after last_reviewed")
    return Definition(
        id=raw["id"],
        title=raw["title"],
        description=raw["description"],
        ambitions=ambitions,
        type=raw["type"],
        numerator=numerator,
        denominator=denominator,
        multiplier=float(raw["multiplier"]),
        unit=raw["unit"],
        period_types=tuple(raw["period_types"]),
        breakdowns=tuple(raw["breakdowns"]),
        statistical_method=raw["statistical_method"],
        polarity=raw["polarity"],
        suppression=raw["suppression"],
        rationale=raw["rationale"],
        source=raw["source"],
        references=tuple(raw["references"]),
        authored_by=raw["authored_by"],
        checked_by=raw["checked_by"],
        last_reviewed=last_reviewed,
        review_date=review_date,
        standard_age_bands=standard,
        raw=raw,
    )


@cache
def load_definitions() -> tuple[Definition, ...]:
    """Every packaged definition, validated, in file-name order; ids must be unique and match the file names."""
    return load_folder(resources.files("peolc.analytics.indicators").joinpath("definitions"))


def load_folder(folder: Traversable | Path) -> tuple[Definition, ...]:
    """Every ``*.json`` definition in ``folder``, validated; an invalid file is refused with its file name."""
    found: list[Definition] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        try:
            definition = parse(json.loads(entry.read_text(encoding="utf-8")))
        except (DefinitionError, json.JSONDecodeError) as error:
            raise DefinitionError(f"{entry.name}: {error}") from error
        if f"{definition.id}.json" != entry.name:
            raise DefinitionError(f"{entry.name}: the file is named after its id ({definition.id}.json)")
        found.append(definition)
    ids = [d.id for d in found]
    if len(set(ids)) != len(ids):
        raise DefinitionError("indicator ids must be unique")
    return tuple(found)
