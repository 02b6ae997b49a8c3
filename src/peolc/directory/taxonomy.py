"""The PEoLC taxonomy, shipped as data in ``reference/peolc_taxonomy.csv`` and extensible by editors."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

TAXONOMY_FILE = Path(__file__).parent / "reference" / "peolc_taxonomy.csv"
# Fixed so that every peolc directory gives the taxonomy, and each shipped term, the same ORUK id.
TAXONOMY_ID = uuid.UUID("6f1c2a8e-3b7d-4c55-9a1e-5d0b8f2c7e41")
TAXONOMY_NAME = "peolc palliative and end of life care services"


def term_id(code: str) -> uuid.UUID:
    """The stable id of a shipped term, derived from its code."""
    return uuid.uuid5(TAXONOMY_ID, code)


def shipped_terms() -> list[dict[str, str]]:
    """The shipped terms, parents before children."""
    with TAXONOMY_FILE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return sorted(rows, key=lambda r: bool(r["parent"]))


def install_taxonomy(taxonomy_model, term_model) -> int:
    """Create the taxonomy and any shipped term that is missing; terms editors changed are left alone.

    Takes the model classes so a data migration can pass its historical models. Returns how many terms were added.
    """
    taxonomy, _ = taxonomy_model.objects.get_or_create(
        id=TAXONOMY_ID,
        defaults={"name": TAXONOMY_NAME, "version": "1",
                  "description": "Kinds of palliative and end of life care service people, carers and professionals "
                                 "look for, and that planners map coverage of."},
    )
    added = 0
    for row in shipped_terms():
        parent = term_model.objects.get(code=row["parent"]) if row["parent"] else None
        _, created = term_model.objects.get_or_create(
            code=row["code"],
            defaults={"id": term_id(row["code"]), "taxonomy": taxonomy, "name": row["name"],
                      "description": row["description"], "parent": parent, "gap_mapped": row["gap_mapped"] == "yes"},
        )
        added += created
    return added
