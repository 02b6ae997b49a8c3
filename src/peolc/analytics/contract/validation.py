"""The validator: reads a directory of ``<table>.parquet`` (or ``<table>.csv``) files with PyArrow, never writes
anything, and reports each problem with its table, column and first offending rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from peolc.analytics.contract.codes import VALUE_CHECKS
from peolc.analytics.contract.outputs import OUTPUTS_BY_NAME
from peolc.analytics.contract.schema import Column, Table
from peolc.analytics.contract.tables import TABLES, TABLES_BY_NAME


@dataclass(frozen=True)
class Problem:
    """One way a file departs from the contract. Rows count from 1 (the first data row)."""

    table: str
    column: str | None
    message: str
    rows: tuple[int, ...] = ()
    count: int = 0
    severity: str = "error"

    def __str__(self) -> str:
        where = self.table if self.column is None else f"{self.table}.{self.column}"
        text = f"{self.severity.upper()} {where}: {self.message}"
        if self.count:
            text += f" ({self.count} row{'s' if self.count != 1 else ''}"
            if self.rows:
                text += "; first rows " + ", ".join(str(r) for r in self.rows)
            text += ")"
        return text


@dataclass
class ValidationReport:
    """The outcome of validating a directory: all problems found, and the row count of each table read."""

    problems: list[Problem] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings are allowed)."""
        return not any(p.severity == "error" for p in self.problems)


def _is_string_type(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _is_string_type(t.value_type)
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _type_matches(expected: str, actual: pa.DataType) -> bool:
    if expected in ("int64", "int32", "int16"):
        return pa.types.is_integer(actual)
    if expected == "float64":
        return pa.types.is_floating(actual) or pa.types.is_integer(actual)
    if expected == "string":
        return _is_string_type(actual)
    if expected == "date":
        return pa.types.is_date(actual)
    if expected == "bool":
        return pa.types.is_boolean(actual)
    if expected == "list<string>":
        return (pa.types.is_list(actual) or pa.types.is_large_list(actual)) and _is_string_type(actual.value_type)
    if expected == "list<int64>":
        return (pa.types.is_list(actual) or pa.types.is_large_list(actual)) and pa.types.is_integer(actual.value_type)
    raise ValueError(f"unknown logical type {expected}")


def _first_rows(mask: pa.Array | pa.ChunkedArray, limit: int) -> tuple[tuple[int, ...], int]:
    """1-based row numbers where ``mask`` is true (nulls count as false), the first ``limit`` of them."""
    values = mask.to_numpy(zero_copy_only=False) if not isinstance(mask, np.ndarray) else mask
    values = np.asarray(values)
    if values.dtype == object:
        values = np.array([bool(v) for v in values])
    found = np.flatnonzero(values)
    return tuple(int(i) + 1 for i in found[:limit]), int(found.size)


def _plain(array: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(array.type):
        return array.cast(array.type.value_type)
    return array


def _read_csv(path: Path, spec: Table, problems: list[Problem], limit: int) -> pa.Table:
    """Read a CSV as strings, then cast each contract column, reporting values that will not cast."""
    raw = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={c.name: pa.string() for c in spec.columns},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    columns = {}
    for name in raw.column_names:
        values = raw.column(name)
        try:
            col = spec.column(name)
        except KeyError:
            columns[name] = values
            continue
        if col.type == "string":
            columns[name] = values
            continue
        if col.type == "list<string>":
            columns[name] = pc.split_pattern(values, ";")
            continue
        target = col.arrow_type
        try:
            columns[name] = pc.cast(values, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            bad = []
            for i, v in enumerate(values.to_pylist()):
                if v is None:
                    continue
                try:
                    pc.cast(pa.array([v]), target)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    bad.append(i)
            problems.append(
                Problem(spec.name, name, f"values that are not {col.type}", tuple(i + 1 for i in bad[:limit]), len(bad))
            )
            # Blank the bad values so the column's other checks still run.
            mask = np.zeros(len(values), dtype=bool)
            mask[bad] = True
            columns[name] = pc.cast(pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), values), target)
    return pa.table(columns)


def _find_file(directory: Path, name: str) -> Path | None:
    for candidate in (directory / f"{name}.parquet", directory / name, directory / f"{name}.csv"):
        if candidate.exists():
            return candidate
    return None


def _check_columns(spec: Table, data: pa.Table, problems: list[Problem], limit: int) -> set[str]:
    """Check presence, type, nulls, codes and ranges; return the names of columns usable for later checks."""
    usable: set[str] = set()
    present = set(data.column_names)
    for extra in sorted(present - {c.name for c in spec.columns}):
        problems.append(Problem(spec.name, extra, "column not in the contract (ignored)", severity="warning"))
    for col in spec.columns:
        if col.name not in present:
            problems.append(Problem(spec.name, col.name, f"missing column (expected {col.type})"))
            continue
        values = _plain(data.column(col.name))
        if not _type_matches(col.type, values.type):
            problems.append(Problem(spec.name, col.name, f"wrong type {values.type} (expected {col.type})"))
            continue
        usable.add(col.name)
        if not col.nullable and values.null_count:
            rows, count = _first_rows(pc.is_null(values), limit)
            problems.append(Problem(spec.name, col.name, "missing values in a required column", rows, count))
        scalar = pc.list_flatten(values) if col.type == "list<string>" else values
        if col.allowed is not None:
            distinct = pc.unique(scalar.drop_null()).to_pylist()
            invalid = sorted(v for v in distinct if v not in col.allowed)
            if invalid:
                _report_values(spec, col, values, invalid, "values outside the allowed set", problems, limit)
        if col.coding in VALUE_CHECKS:
            distinct = pc.unique(scalar.drop_null()).to_pylist()
            invalid = VALUE_CHECKS[col.coding](distinct)
            if invalid:
                _report_values(spec, col, values, invalid, f"invalid {col.coding} codes", problems, limit)
        if col.minimum is not None or col.maximum is not None:
            low = pc.less(values, col.minimum) if col.minimum is not None else None
            high = pc.greater(values, col.maximum) if col.maximum is not None else None
            mask = low if high is None else high if low is None else pc.or_(low, high)
            rows, count = _first_rows(mask, limit)
            if count:
                problems.append(
                    Problem(spec.name, col.name, f"values outside {col.minimum}–{col.maximum}", rows, count)
                )
    return usable


def _report_values(
    spec: Table,
    col: Column,
    values: pa.ChunkedArray,
    invalid: list[str],
    message: str,
    problems: list[Problem],
    limit: int,
) -> None:
    bad = pa.array(invalid, type=pa.string())
    if col.type == "list<string>":
        parents = pc.list_parent_indices(values)
        hits = pc.is_in(pc.list_flatten(values), value_set=bad)
        mask = np.zeros(len(values), dtype=bool)
        mask[parents.to_numpy()[hits.to_numpy(zero_copy_only=False)]] = True
    else:
        mask = pc.is_in(values, value_set=bad)
    rows, count = _first_rows(mask, limit)
    examples = ", ".join(repr(v) for v in invalid[:5])
    problems.append(Problem(spec.name, col.name, f"{message}: {examples}", rows, count))


def _check_unique(spec: Table, data: pa.Table, usable: set[str], problems: list[Problem], limit: int) -> None:
    if not spec.primary_key or not set(spec.primary_key) <= usable:
        return
    if len(spec.primary_key) != 1:
        raise NotImplementedError("composite keys are not used in the contract")
    key = spec.primary_key[0]
    values = _plain(data.column(key)).to_numpy(zero_copy_only=False)
    _, first_index, counts = np.unique(values, return_index=True, return_counts=True)
    if (counts > 1).any():
        mask = np.ones(len(values), dtype=bool)
        mask[first_index] = False
        rows, count = _first_rows(mask, limit)
        problems.append(Problem(spec.name, key, "duplicate key values", rows, count))


def _check_date_order(spec: Table, data: pa.Table, usable: set[str], problems: list[Problem], limit: int) -> None:
    for earlier, later in spec.date_order:
        if {earlier, later} <= usable:
            mask = pc.less(data.column(later), data.column(earlier))
            rows, count = _first_rows(mask, limit)
            if count:
                problems.append(Problem(spec.name, later, f"{later} is before {earlier}", rows, count))


@dataclass
class _Keys:
    """Values other tables are checked against, kept after each table is read and dropped."""

    patient_ids: pa.Array | None = None
    org_types: dict[str, str] = field(default_factory=dict)
    death_ids: np.ndarray | None = None
    death_days: np.ndarray | None = None
    spell_ids: pa.Array | None = None


def _check_references(
    spec: Table, data: pa.Table, usable: set[str], keys: _Keys, problems: list[Problem], limit: int
) -> None:
    for col in spec.columns:
        if col.references is None or col.name not in usable:
            continue
        values = _plain(data.column(col.name))
        if col.references == "patients.patient_id" and spec.name != "patients":
            if keys.patient_ids is None:
                continue
            mask = pc.and_(pc.invert(pc.is_in(values, value_set=keys.patient_ids)), pc.is_valid(values))
            rows, count = _first_rows(mask, limit)
            if count:
                problems.append(Problem(spec.name, col.name, "patient_id not in patients", rows, count))
        elif col.references == "organisations.code":
            if not keys.org_types:
                continue
            distinct = pc.unique(values.drop_null()).to_pylist()
            unknown = sorted(v for v in distinct if v not in keys.org_types)
            if unknown:
                _report_values(spec, col, values, unknown, "codes not in organisations", problems, limit)
            if col.org_types:
                wrong = sorted(v for v in distinct if v in keys.org_types and keys.org_types[v] not in col.org_types)
                if wrong:
                    _report_values(
                        spec,
                        col,
                        values,
                        wrong,
                        f"organisations of the wrong type (expected {', '.join(col.org_types)})",
                        problems,
                        limit,
                    )
        elif col.references == "hospital_spells.spell_id" and keys.spell_ids is not None:
            mask = pc.and_(pc.invert(pc.is_in(values, value_set=keys.spell_ids)), pc.is_valid(values))
            rows, count = _first_rows(mask, limit)
            if count:
                problems.append(Problem(spec.name, col.name, "spell_id not in hospital_spells", rows, count))


def _check_after_death(
    spec: Table, data: pa.Table, usable: set[str], keys: _Keys, problems: list[Problem], limit: int
) -> None:
    if keys.death_ids is None or "patient_id" not in usable or not keys.death_ids.size:
        return
    # _remember_keys always sets death_ids and death_days together.
    assert keys.death_days is not None
    pids = _plain(data.column("patient_id")).to_numpy(zero_copy_only=False)
    position = np.searchsorted(keys.death_ids, pids)
    position = np.minimum(position, keys.death_ids.size - 1)
    has_death = keys.death_ids[position] == pids
    death_day = np.where(has_death, keys.death_days[position], np.iinfo(np.int32).max)
    for name in spec.dates_not_after_death:
        if name not in usable:
            continue
        days = data.column(name).cast(pa.int32()).fill_null(np.iinfo(np.int32).min).to_numpy()
        rows, count = _first_rows(days > death_day, limit)
        if count:
            problems.append(Problem(spec.name, name, "date after the person's date of death", rows, count))


def _remember_keys(spec: Table, data: pa.Table, usable: set[str], keys: _Keys) -> None:
    if spec.name == "patients" and "patient_id" in usable:
        keys.patient_ids = _plain(data.column("patient_id")).combine_chunks()
    elif spec.name == "organisations" and {"code", "type"} <= usable:
        keys.org_types = dict(
            zip(data.column("code").to_pylist(), _plain(data.column("type")).to_pylist(), strict=True)
        )
    elif spec.name == "deaths" and {"patient_id", "date_of_death"} <= usable:
        ids = _plain(data.column("patient_id")).to_numpy(zero_copy_only=False)
        days = data.column("date_of_death").cast(pa.int32()).fill_null(np.iinfo(np.int32).max)
        order = np.argsort(ids, kind="stable")
        keys.death_ids = ids[order]
        keys.death_days = days.to_numpy()[order]
    elif spec.name == "hospital_spells" and "spell_id" in usable:
        keys.spell_ids = _plain(data.column("spell_id")).combine_chunks()


# Tables others are checked against are read first.
_VALIDATION_ORDER = ("organisations", "patients", "deaths", "hospital_spells")


def validate_directory(
    directory: str | Path, max_rows: int = 5, tables: Iterable[str] | None = None
) -> ValidationReport:
    """Check every contract table found in ``directory`` against the contract; write nothing.

    ``max_rows`` limits how many offending rows are listed per problem (all are counted).
    """
    directory = Path(directory)
    report = ValidationReport()
    keys = _Keys()
    wanted = [t.name for t in TABLES] if tables is None else list(tables)
    ordered = [n for n in _VALIDATION_ORDER if n in wanted] + [n for n in wanted if n not in _VALIDATION_ORDER]
    if not directory.is_dir():
        report.problems.append(Problem("(directory)", None, f"{directory} is not a directory"))
        return report
    for name in ordered:
        spec = TABLES_BY_NAME[name]
        path = _find_file(directory, name)
        if path is None:
            if spec.required:
                report.problems.append(Problem(name, None, f"missing file {name}.parquet (or .csv)"))
            continue
        try:
            is_csv = path.suffix == ".csv"
            data = _read_csv(path, spec, report.problems, max_rows) if is_csv else pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as error:
            report.problems.append(Problem(name, None, f"unreadable file {path.name}: {error}"))
            continue
        report.row_counts[name] = data.num_rows
        usable = _check_columns(spec, data, report.problems, max_rows)
        _check_unique(spec, data, usable, report.problems, max_rows)
        _check_date_order(spec, data, usable, report.problems, max_rows)
        _check_references(spec, data, usable, keys, report.problems, max_rows)
        _check_after_death(spec, data, usable, keys, report.problems, max_rows)
        _remember_keys(spec, data, usable, keys)
        del data
    return report


class OutputContractError(ValueError):
    """A pipeline output that departs from its declaration; the message names the file, column and problem."""


def check_output(name: str, data: pa.Table, path: Path | str, max_rows: int = 5) -> None:
    """Raise ``OutputContractError`` unless ``data``, read from ``path``, matches the output ``name``'s declaration.

    Columns the declaration does not list are allowed (a newer pipeline may add some); every declared column must
    be there with its type, nulls only where declared, values in range and in the allowed set, keys unique.
    """
    spec = OUTPUTS_BY_NAME[name]
    problems: list[Problem] = []
    usable = _check_columns(spec, data, problems, max_rows)
    _check_unique(spec, data, usable, problems, max_rows)
    _check_date_order(spec, data, usable, problems, max_rows)
    errors = [str(p) for p in problems if p.severity == "error"]
    if errors:
        raise OutputContractError(
            f"{path} does not match the pipeline output contract (docs/pipeline-outputs.md): " + "; ".join(errors)
        )


def read_output(out_dir: Path | str, name: str) -> pa.Table:
    """Read the pipeline output ``<out_dir>/<name>.parquet`` after checking it against its declaration.

    Raises ``OutputContractError`` naming the file, column and problem when it departs from the contract, or when
    it cannot be read.
    """
    path = Path(out_dir) / f"{name}.parquet"
    try:
        data = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise OutputContractError(f"{path}: unreadable pipeline output: {error}") from error
    check_output(name, data, path)
    return data
