"""Read organisations from linked-dataset contract files, in the shape ``load_organisations`` takes."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq


def extract_end(data_dir: Path) -> date | None:
    """The extract's end date from the generator's ``metadata.json``, when there is one."""
    metadata = data_dir / "metadata.json"
    if not metadata.exists():
        return None
    return date.fromisoformat(json.loads(metadata.read_text())["extract_end"])


def organisation_rows(data_dir: Path) -> list[dict]:
    """The contract's organisations, with each practice's list size at the end of the extract."""
    as_at = extract_end(data_dir)
    registrations = pq.read_table(
        data_dir / "practice_registrations.parquet", columns=["practice_code", "start_date", "end_date"]
    ).to_pylist()
    list_sizes = Counter(
        r["practice_code"] for r in registrations
        if as_at is None or (r["start_date"] <= as_at and (r["end_date"] is None or r["end_date"] > as_at))
    )
    return [
        {"code": o["code"], "name": o["name"], "type": o["type"], "parent": o["parent_code"],
         "postcode": o["postcode"] or "",
         "registered_population": list_sizes.get(o["code"]) if o["type"] == "gp_practice" else None}
        for o in pq.read_table(data_dir / "organisations.parquet").to_pylist()
    ]
