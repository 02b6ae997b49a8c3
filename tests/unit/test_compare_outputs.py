"""tools/compare_outputs.py: the same outputs in another row order or encoding are the same; any changed figure,
label, row or file is reported."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

_SPEC = importlib.util.spec_from_file_location(
    "compare_outputs", Path(__file__).resolve().parents[2] / "tools" / "compare_outputs.py"
)
assert _SPEC is not None and _SPEC.loader is not None
compare_outputs = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(compare_outputs)

PERIODS = {
    "period_type": ["quarter", "calendar_year", "calendar_year"],
    "period": ["2023 Q1", "2023", "2022"],
    "years": [0.25, 1.0, float("nan")],
    "tags": [["a"], [], None],
}


def _write(directory: Path, columns: dict) -> Path:
    directory.mkdir(exist_ok=True)
    pq.write_table(pa.table(columns), directory / "indicator_periods.parquet")
    return directory


def _run(tmp_path: Path, changed: dict, *args: str) -> int:
    a, b = _write(tmp_path / "a", PERIODS), _write(tmp_path / "b", changed)
    return compare_outputs.main([str(a), str(b), *args])


def test_row_order_and_dictionary_encoding_are_not_differences(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    reordered = {k: list(reversed(v)) for k, v in PERIODS.items()}
    reordered["period"] = pa.array(reordered["period"]).dictionary_encode()
    assert _run(tmp_path, reordered) == 0
    assert "indicator_periods.parquet (3 rows): same" in capsys.readouterr().out


def test_a_changed_figure_is_reported_with_its_column(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert _run(tmp_path, {**PERIODS, "years": [0.25, 1.0 + 1e-12, float("nan")]}) == 1
    out = capsys.readouterr().out
    assert "indicator_periods.parquet (3 rows): DIFFERENT" in out
    assert "years: 1 rows differ" in out


def test_a_tolerance_allows_a_tiny_float_difference(tmp_path: Path) -> None:
    assert _run(tmp_path, {**PERIODS, "years": [0.25, 1.0 + 1e-12, float("nan")]}, "--tolerance", "1e-9") == 0


def test_a_null_is_not_a_nan(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert _run(tmp_path, {**PERIODS, "years": [0.25, 1.0, None]}) == 1
    assert "years: 1 rows differ" in capsys.readouterr().out


def test_changed_labels_lists_rows_and_missing_files_are_reported(tmp_path: Path, capsys) -> None:
    changed = {**PERIODS, "period": ["2023 Q1", "2023", "2021"], "tags": [["b"], [], None]}
    assert _run(tmp_path, changed) == 1
    out = capsys.readouterr().out
    assert "period: 1 rows differ" in out and "tags: 1 rows differ" in out
    pq.write_table(pa.table({"x": [1]}), tmp_path / "a" / "indicator_values.parquet")
    assert compare_outputs.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 1
    assert "indicator_values.parquet (1 rows): DIFFERENT\n    only in A" in capsys.readouterr().out
