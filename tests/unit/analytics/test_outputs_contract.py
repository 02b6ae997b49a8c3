"""The pipeline output contract: every output declared, the declarations true of what the pipeline writes, the
doc current, and a departing file refused with its file, column and problem named."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from peolc.analytics import contract
from peolc.analytics.contract import outputs as declared
from peolc.analytics.identification import codelists
from peolc.analytics.identification import outputs as identification
from peolc.analytics.indicators import cohorts, definitions, engine
from peolc.analytics.pipeline import run_pipeline

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def pipeline_outputs(tiny_ics: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("outputs")
    summary = run_pipeline(tiny_ics, out)
    return out, summary


def test_every_output_the_pipeline_writes_is_declared(pipeline_outputs: tuple[Path, dict]) -> None:
    _, summary = pipeline_outputs
    assert set(summary["outputs"]) == set(contract.OUTPUTS_BY_NAME)


def test_each_output_has_exactly_its_declared_columns_and_passes_its_checks(
    pipeline_outputs: tuple[Path, dict],
) -> None:
    out, _ = pipeline_outputs
    for spec in contract.OUTPUTS:
        data = contract.read_output(out, spec.name)
        assert data.column_names == [c.name for c in spec.columns], spec.name


def test_the_declared_vocabularies_are_the_analytics_own() -> None:
    assert tuple(name for name, _ in identification.RISK_BANDS) == declared.RISK_BANDS
    assert declared.SEGMENTS == identification.SEGMENTS
    assert tuple(name for name, _ in identification.AGE_BANDS) == declared.IDENTIFICATION_AGE_BANDS
    assert tuple(level for level, _ in identification.LEVELS) == declared.LEVELS
    assert declared.DISEASE_GROUPS == codelists.DISEASE_GROUPS
    assert declared.PERIOD_TYPES == definitions.PERIOD_TYPES
    assert declared.AREA_TYPES == cohorts.AREA_TYPES
    assert declared.BREAKDOWNS == cohorts.BREAKDOWNS
    assert set(declared.INDICATOR_TYPES) == set(definitions.TYPES)
    assert set(declared.STATISTICAL_METHODS) == set(definitions.TYPES.values())
    assert declared.POLARITIES == definitions.POLARITIES
    assert declared.BENCHMARK_TYPES == engine.BENCHMARK_TYPES
    assert declared.COMPARISONS == engine.COMPARISONS
    assert declared.TRENDS == engine.TRENDS
    assert declared.SUPPRESSION_REASONS == engine.SUPPRESSION_REASONS
    value_columns = contract.output("indicator_values").columns
    assert {c.name: c.arrow_type for c in value_columns} == engine.VALUE_COLUMNS


def test_committed_outputs_documentation_is_up_to_date() -> None:
    doc = REPO / "docs" / "pipeline-outputs.md"
    assert doc.read_text(encoding="utf-8") == contract.outputs_markdown(), "run `peolc contract-docs`"


def _copy(out: Path, tmp_path: Path, name: str, change) -> Path:
    target = tmp_path / "outputs"
    target.mkdir(exist_ok=True)
    pq.write_table(change(pq.read_table(out / f"{name}.parquet")), target / f"{name}.parquet")
    return target


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.column_names.index(name), name, values)


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        (
            "identification_candidates",
            lambda t: t.drop_columns(["risk_band"]),
            "identification_candidates.risk_band: missing column (expected string)",
        ),
        (
            "indicator_values",
            lambda t: _set(t, "value", pc.cast(t.column("value"), pa.string())),
            "indicator_values.value: wrong type string (expected float64)",
        ),
        (
            "register_prevalence",
            lambda t: _set(t, "level", pa.array(["surgery"] * t.num_rows)),
            "register_prevalence.level: values outside the allowed set: 'surgery'",
        ),
        (
            "indicator_periods",
            lambda t: _set(t, "period_start", pa.nulls(t.num_rows, pa.date32())),
            "indicator_periods.period_start: missing values in a required column",
        ),
    ],
)
def test_an_output_that_departs_from_its_declaration_is_refused_naming_file_column_and_problem(
    pipeline_outputs: tuple[Path, dict], tmp_path: Path, name: str, change, expected: str
) -> None:
    broken = _copy(pipeline_outputs[0], tmp_path, name, change)
    with pytest.raises(contract.OutputContractError) as raised:
        contract.read_output(broken, name)
    message = str(raised.value)
    assert str(broken / f"{name}.parquet") in message
    assert expected in message


def test_an_unreadable_output_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "indicator_periods.parquet").write_text("not parquet")
    with pytest.raises(contract.OutputContractError, match="indicator_periods.parquet: unreadable"):
        contract.read_output(tmp_path, "indicator_periods")
