"""Public reference data shipped with peolc (code lists, weights, lookups); see SOURCES.md beside this file."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).parent


def path(name: str) -> Path:
    """Absolute path of a reference file, e.g. ``path("esp2013.csv")``."""
    found = REFERENCE_DIR / name
    if not found.is_file():
        raise FileNotFoundError(f"no reference file {name!r} in {REFERENCE_DIR}")
    return found


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of a reference CSV as dictionaries of strings (cached; treat them as read-only)."""
    with path(name).open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


def codelist(name: str) -> dict[str, str]:
    """A SNOMED CT or dm+d codelist from ``palliative_snomed_codelists`` as {code: term}."""
    return {row["code"]: row["term"] for row in rows(f"palliative_snomed_codelists/{name}.csv")}
