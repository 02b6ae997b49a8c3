"""`peolc pipeline run`: every analytics step over a directory of contract files, outputs as Parquet.

A step is a module with ``run(context) -> dict`` that reads its inputs from ``context.tables`` (Ibis tables),
writes its outputs with ``context.write(name, table)`` and returns a small summary. Steps run in order; a later
step may read an earlier step's outputs with ``context.output(name)``.
"""

from __future__ import annotations

import importlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import ibis
from ibis.backends import BaseBackend

from peolc.analytics import backends
from peolc.analytics.contract import TABLES

# Steps in the order they run; each later issue adds its module here.
STEPS: dict[str, str] = {
    "identification": "peolc.analytics.identification",
    "indicators": "peolc.analytics.indicators",
    "population": "peolc.analytics.population",
}


@dataclass
class PipelineContext:
    """What a step needs: the connection, the contract tables, the reference date and where outputs go."""

    con: BaseBackend
    tables: dict[str, ibis.Table]
    out_dir: Path
    as_at: date
    backend: str
    written: dict[str, int] = field(default_factory=dict)

    def write(self, name: str, table: ibis.Table) -> int:
        """Write an output table as ``<out_dir>/<name>.parquet`` and return its row count."""
        rows = backends.write_parquet(self.con, table, self.out_dir / f"{name}.parquet")
        self.written[name] = rows
        return rows

    def output(self, name: str) -> ibis.Table:
        """An output written earlier in this run, as an Ibis table."""
        return self.con.read_parquet(str(self.out_dir / f"{name}.parquet"), table_name=f"out_{name}")


def default_as_at(data_dir: Path) -> date:
    """The extract's end date from ``metadata.json`` when there is one, else today."""
    metadata = Path(data_dir) / "metadata.json"
    if metadata.exists():
        return date.fromisoformat(json.loads(metadata.read_text())["extract_end"])
    return datetime.now(UTC).date()


def run_pipeline(
    data_dir: Path,
    out_dir: Path,
    *,
    backend: str = "duckdb",
    steps: list[str] | None = None,
    as_at: date | None = None,
) -> dict[str, Any]:
    """Run the chosen steps (all by default) and write ``<out_dir>/manifest.json`` describing the run."""
    chosen = list(STEPS) if steps is None else steps
    unknown = [s for s in chosen if s not in STEPS]
    if unknown:
        raise ValueError(f"unknown step {', '.join(unknown)}; choose from {', '.join(STEPS) or 'none yet'}")
    con = backends.connect(backend)
    present = [t.name for t in TABLES if (Path(data_dir) / f"{t.name}.parquet").exists()]
    context = PipelineContext(
        con=con, tables=backends.read_tables(con, Path(data_dir), present), out_dir=Path(out_dir),
        as_at=as_at or default_as_at(Path(data_dir)), backend=backend,
    )
    context.out_dir.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"backend": backend, "as_at": context.as_at.isoformat(), "steps": {}}
    for name in chosen:
        started = time.perf_counter()
        result = importlib.import_module(STEPS[name]).run(context)
        summary["steps"][name] = {"seconds": round(time.perf_counter() - started, 2), **(result or {})}
    summary["outputs"] = context.written
    (context.out_dir / "manifest.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
