"""Benchmark: every indicator × period × area × breakdown (targets: 1M-person ICS < 10 s; 2.7M deaths < 30 s).

1. ``peolc generate --people 1000000`` (five years) into a temporary folder, then the engine on DuckDB with every
   indicator, every area level and every breakdown (as the pipeline step runs it).
2. An England-sized deaths table: the 1M ICS's decedents replicated 55 times (about 2.7M deaths over five years,
   England's ~540,000 a year) with new patient ids and 55 copies of every locality, PCN and practice, so there are
   as many practices as England has (~7,000) under one national "ICB". Only decedents' records are replicated
   (deaths, registrations, patients, activity, register), so the population-based indicator (under-75 DSR), which
   needs all 55M people, is left out of this run; breakdowns are kept for the national and locality levels and
   PCNs and practices get all persons, as a national publication would.
3. The pandas reference (``pandas_indicators.py``) on the 1M ICS: decedent-based proportions only, no suppression,
   trend, benchmarks or inequality indices.

Writes ``benchmarks/results/indicators.json``.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))

import pandas_indicators  # noqa: E402
from harness import measure_baseline, peak_memory_mb, timed, write_result  # noqa: E402

from peolc.analytics import backends  # noqa: E402
from peolc.analytics.contract import TABLES  # noqa: E402
from peolc.analytics.indicators import compute, load_definitions  # noqa: E402
from peolc.analytics.indicators.engine import default_area_breakdowns  # noqa: E402
from peolc.synthetic import GeneratorConfig, generate  # noqa: E402

PEOPLE = 1_000_000
COPIES = 55
START, END = date(2019, 1, 1), date(2023, 12, 31)
ID_STRIDE = 10**9
AREA_COLUMNS = ("practice_code", "pcn_code", "locality_code", "parent_code", "code")
# The tables the engine reads; the others (GP events, community contacts, care home residency) are not copied.
PERSON_TABLES = (
    "deaths",
    "patients",
    "practice_registrations",
    "hospital_spells",
    "emergency_attendances",
    "hospice_contacts",
    "medications",
    "register_snapshot",
)


def _run(data: Path, **options) -> tuple[float, int]:
    con = backends.connect("duckdb")
    # DuckDB would take 80% of memory by default; the numpy half of the engine needs its share at national scale.
    con.raw_sql("SET memory_limit='6GB'")
    present = [t.name for t in TABLES if (data / f"{t.name}.parquet").exists()]
    tables = backends.read_tables(con, data, present)
    seconds, results = timed(lambda: compute(con, tables, start=START, end=END, **options))
    return seconds, results.values.num_rows


def _suffix(column: pa.ChunkedArray, copy: int, codes: pa.Array) -> pa.ChunkedArray:
    # Area codes get a copy number so each copy is a separate set of localities, PCNs and practices.
    renamed = pc.binary_join_element_wise(column, pa.scalar(f"{copy:02d}"), "")
    return pc.if_else(pc.is_in(column, codes), renamed, column)


def build_england(source: Path, target: Path) -> int:
    """Replicate the ICS's decedents ``COPIES`` times into ``target``; return the number of deaths."""
    target.mkdir(parents=True, exist_ok=True)
    organisations = pq.read_table(source / "organisations.parquet")
    local = organisations.filter(pc.is_in(organisations["type"], pa.array(["locality", "pcn", "gp_practice"])))
    codes = local["code"].combine_chunks()
    copies = [
        organisations.filter(pc.invert(pc.is_in(organisations["type"], pa.array(["locality", "pcn", "gp_practice"]))))
    ]
    for copy in range(COPIES):
        replica = local
        for name in ("code", "parent_code", "locality_code"):
            replica = replica.set_column(
                replica.schema.get_field_index(name), name, _suffix(replica[name], copy, codes)
            )
        copies.append(replica.cast(organisations.schema))
    pq.write_table(pa.concat_tables(copies), target / "organisations.parquet")
    decedents = pq.read_table(source / "deaths.parquet", columns=["patient_id"])["patient_id"]
    deaths = 0
    for name in PERSON_TABLES:
        table = pq.read_table(source / f"{name}.parquet")
        table = table.filter(pc.is_in(table["patient_id"], decedents))
        parts = []
        for copy in range(COPIES):
            part = table.set_column(
                table.schema.get_field_index("patient_id"),
                "patient_id",
                pc.add(table["patient_id"], pa.scalar(copy * ID_STRIDE, pa.int64())),
            )
            for column in AREA_COLUMNS:
                if column in part.column_names:
                    index = part.schema.get_field_index(column)
                    part = part.set_column(index, column, _suffix(part[column], copy, codes))
            parts.append(part.cast(table.schema))
        combined = pa.concat_tables(parts)
        if name == "deaths":
            deaths = combined.num_rows
        pq.write_table(combined, target / f"{name}.parquet")
    return deaths


def main() -> int:
    """Run the benchmark and write ``benchmarks/results/indicators.json``."""
    baseline = measure_baseline()
    national = default_area_breakdowns(("icb", "locality"))
    decedent_based = tuple(
        d for d in load_definitions() if "population" not in (d.numerator.cohort, d.denominator.cohort)
    )
    with tempfile.TemporaryDirectory(prefix="peolc-bench-ind-") as folder:
        ics = Path(folder) / "ics"
        generate(GeneratorConfig(people=PEOPLE, seed=42, years=5), ics)
        ics_deaths = pq.read_metadata(ics / "deaths.parquet").num_rows
        ics_seconds, ics_rows = _run(ics)
        print(f"1M ICS: {ics_seconds:.1f} s, {ics_rows:,} rows", flush=True)
        pandas_seconds, pandas_result = timed(lambda: pandas_indicators.compute(ics, START, END))
        pandas_rows = len(pandas_result)
        del pandas_result
        print(f"pandas: {pandas_seconds:.1f} s", flush=True)
        england = Path(folder) / "england"
        england_deaths = build_england(ics, england)
        print(f"England-sized table: {england_deaths:,} deaths", flush=True)
        england_seconds, england_rows = _run(england, definitions=decedent_based, area_breakdowns=national)
    figures = {
        "ics_people": PEOPLE,
        "ics_deaths": ics_deaths,
        "indicators": len(load_definitions()),
        "ics_seconds": round(ics_seconds, 2),
        "ics_value_rows": ics_rows,
        "england_deaths": england_deaths,
        "england_indicators": len(decedent_based),
        "england_seconds": round(england_seconds, 2),
        "england_value_rows": england_rows,
        "pandas_ics_seconds": round(pandas_seconds, 2),
        "pandas_ics_rows": int(pandas_rows),
        "pandas_indicators": len(pandas_indicators.NUMERATORS),
        "engine_vs_pandas": round(ics_seconds / pandas_seconds, 2),
        "peak_memory_mb": round(peak_memory_mb(), 1),
        "targets": {"ics_seconds": 10, "england_seconds": 30},
    }
    write_result("indicators", figures, baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
