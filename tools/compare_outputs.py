"""Compare two pipeline output directories table by table, column by column: are the outputs unchanged?

    python tools/compare_outputs.py DIR_A DIR_B [--tolerance REL]

Every ``*.parquet`` in either directory is read whole. Rows are put in the same order first: by the table's key where
the order of rows carries no meaning (the key columns are listed in ``KEYS``; a table without one is sorted by all of
its scalar columns), so a change of row order alone is not a difference. Dictionary-encoded labels are compared as
plain strings. Floats are compared exactly (NaN equals NaN, null equals null) unless ``--tolerance`` gives a relative
tolerance, when ``|a - b| <= tolerance * max(|a|, |b|)`` counts as equal; the largest absolute difference is printed
either way. Lists are compared element by element. The JSON files beside the tables are compared as parsed JSON,
except ``manifest.json``, whose timings differ on every run: only its row counts are compared.

Prints one verdict per table (``same`` or ``DIFFERENT`` with the columns and row counts that differ) and exits 1
when anything differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# Columns that identify a row where the pipeline's row order has no meaning.
KEYS: dict[str, tuple[str, ...]] = {
    "identification_scores": ("patient_id",),
    "identification_candidates": ("patient_id",),
    "register_prevalence": ("level", "org_code"),
    "population_segments": ("level", "org_code", "segment", "risk_band", "age_band"),
    "identification_model": ("term",),
    "identification_performance": ("model",),
    "identification_calibration": ("model", "bin"),
    "indicator_values": ("indicator_id", "period_type", "period", "area_type", "area_code", "breakdown",
                         "breakdown_value"),
    "indicator_values_suppressed": ("indicator_id", "period_type", "period", "area_type", "area_code", "breakdown",
                                    "breakdown_value"),
    "indicator_inequalities": ("indicator_id", "period_type", "period", "area_type", "area_code"),
    "indicator_definitions": ("indicator_id",),
    "indicator_periods": ("period_type", "period"),
}


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded, so labels compare as strings whatever their encoding."""
    columns = [
        column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column
        for column in table.columns
    ]
    return pa.table(columns, names=table.column_names)


def _is_scalar(data_type: pa.DataType) -> bool:
    return not (pa.types.is_list(data_type) or pa.types.is_large_list(data_type) or pa.types.is_struct(data_type))


def _ordered(name: str, table: pa.Table) -> pa.Table:
    key = [k for k in KEYS.get(name, ()) if k in table.column_names]
    if not key:
        key = [field.name for field in table.schema if _is_scalar(field.type)]
    return table.sort_by([(k, "ascending") for k in key]) if key else table


def _float_differences(a: pa.ChunkedArray, b: pa.ChunkedArray, tolerance: float) -> tuple[int, float]:
    x = a.to_numpy(zero_copy_only=False).astype(float)
    y = b.to_numpy(zero_copy_only=False).astype(float)
    # to_numpy turns nulls into NaN: compare the null patterns separately so a null never equals a NaN figure.
    nulls_differ = np.asarray(a.is_null()) != np.asarray(b.is_null())
    both_nan = np.isnan(x) & np.isnan(y)
    gap = np.abs(x - y)
    allowed = tolerance * np.maximum(np.abs(x), np.abs(y))
    with np.errstate(invalid="ignore"):
        differ = nulls_differ | (~both_nan & ~(gap <= allowed))
    finite = gap[np.isfinite(gap)]
    return int(differ.sum()), float(finite.max()) if finite.size else 0.0


def _column_differences(a: pa.ChunkedArray, b: pa.ChunkedArray) -> int:
    if not _is_scalar(a.type) or not _is_scalar(b.type):
        return sum(x != y for x, y in zip(a.to_pylist(), b.to_pylist(), strict=True))
    if a.type != b.type:
        a, b = a.cast(pa.string()), b.cast(pa.string())
    equal = pc.fill_null(pc.equal(a, b), False)
    both_null = pc.and_(a.is_null(), b.is_null())
    return int(pc.sum(pc.invert(pc.or_(equal, both_null))).as_py() or 0)


def compare_table(name: str, path_a: Path, path_b: Path, tolerance: float) -> list[str]:
    """The differences between two copies of one output table (an empty list when they are the same)."""
    a, b = _plain(pq.read_table(path_a)), _plain(pq.read_table(path_b))
    problems = []
    only_a = [c for c in a.column_names if c not in b.column_names]
    only_b = [c for c in b.column_names if c not in a.column_names]
    if only_a:
        problems.append(f"columns only in A: {', '.join(only_a)}")
    if only_b:
        problems.append(f"columns only in B: {', '.join(only_b)}")
    if a.num_rows != b.num_rows:
        return [*problems, f"rows: {a.num_rows:,} in A, {b.num_rows:,} in B"]
    shared = [c for c in a.column_names if c in b.column_names]
    a, b = _ordered(name, a.select(shared)), _ordered(name, b.select(shared))
    for column in shared:
        x, y = a.column(column), b.column(column)
        if x.type != y.type:
            problems.append(f"{column}: type {x.type} in A, {y.type} in B")
        if pa.types.is_floating(x.type) or pa.types.is_floating(y.type):
            count, largest = _float_differences(x, y, tolerance)
            if count:
                problems.append(f"{column}: {count:,} rows differ (largest absolute difference {largest:.3g})")
        else:
            count = _column_differences(x, y)
            if count:
                problems.append(f"{column}: {count:,} rows differ")
    return problems


def compare_json(name: str, path_a: Path, path_b: Path) -> list[str]:
    """The differences between two JSON files beside the outputs (for the manifest, only its row counts)."""
    a, b = json.loads(path_a.read_text()), json.loads(path_b.read_text())
    if name == "manifest.json":
        a, b = a.get("outputs"), b.get("outputs")
    return [] if a == b else ["contents differ"]


def compare_directories(dir_a: Path, dir_b: Path, tolerance: float = 0.0) -> dict[str, list[str]]:
    """Every output file's name with its differences (an empty list for a file that is the same in both)."""
    names = sorted({p.name for p in dir_a.iterdir()} | {p.name for p in dir_b.iterdir()})
    verdicts: dict[str, list[str]] = {}
    for name in names:
        path_a, path_b = dir_a / name, dir_b / name
        if not name.endswith((".parquet", ".json")):
            continue
        if not path_a.exists() or not path_b.exists():
            verdicts[name] = [f"only in {'B' if not path_a.exists() else 'A'}"]
        elif name.endswith(".parquet"):
            verdicts[name] = compare_table(name.removesuffix(".parquet"), path_a, path_b, tolerance)
        else:
            verdicts[name] = compare_json(name, path_a, path_b)
    return verdicts


def main(argv: list[str] | None = None) -> int:
    """Compare DIR_A with DIR_B, print a verdict per table and return 1 when anything differs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir_a", type=Path)
    parser.add_argument("dir_b", type=Path)
    parser.add_argument("--tolerance", type=float, default=0.0,
                        help="relative tolerance for floats (default 0: exactly equal)")
    args = parser.parse_args(argv)
    verdicts = compare_directories(args.dir_a, args.dir_b, args.tolerance)
    for name, problems in verdicts.items():
        rows = ""
        if name.endswith(".parquet") and (args.dir_a / name).exists():
            rows = f" ({pq.ParquetFile(args.dir_a / name).metadata.num_rows:,} rows)"
        print(f"{name}{rows}: {'same' if not problems else 'DIFFERENT'}")
        for problem in problems:
            print(f"    {problem}")
    different = [name for name, problems in verdicts.items() if problems]
    tolerance = "exactly" if not args.tolerance else f"within relative tolerance {args.tolerance:g}"
    print(f"\n{len(verdicts) - len(different)} of {len(verdicts)} files the same (floats compared {tolerance}).")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
