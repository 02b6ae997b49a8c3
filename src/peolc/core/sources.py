"""Read organisations from linked-dataset contract files, in the shape ``load_organisations`` takes."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from peolc.analytics.contract import read_output

OUTPUTS = ("practice_list_sizes",)


def organisation_rows(data_dir: Path, out_dir: Path | None = None) -> list[dict]:
    """The contract's organisations, with each practice's list size from the pipeline's ``practice_list_sizes`` in
    ``out_dir`` (none when the pipeline has not written it)."""
    list_sizes: dict[str, int] = {}
    if out_dir is not None and (Path(out_dir) / "practice_list_sizes.parquet").exists():
        list_sizes = {r["practice_code"]: r["list_size"]
                      for r in read_output(out_dir, "practice_list_sizes").to_pylist()}
    return [
        {"code": o["code"], "name": o["name"], "type": o["type"], "parent": o["parent_code"],
         "postcode": o["postcode"] or "",
         "registered_population": list_sizes.get(o["code"]) if o["type"] == "gp_practice" else None}
        for o in pq.read_table(data_dir / "organisations.parquet").to_pylist()
    ]
