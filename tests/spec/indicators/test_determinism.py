"""The engine gives the same tables however the backend happens to order the groups it returns.

Secondary suppression breaks ties between equally small cells, and the RII simulation hands out its random draws, in
row order; DuckDB's parallel aggregation and Spark's shuffles return groups in a different order from run to run, so
without a fixed order two runs over the same data could suppress different cells.
"""

from __future__ import annotations

from datetime import date

import pyarrow.parquet as pq
import pytest

from peolc.analytics import backends
from peolc.analytics.contract import TABLES
from peolc.analytics.indicators import compute
from peolc.synthetic import GeneratorConfig, generate


def _run(con, folder):
    present = [t.name for t in TABLES if (folder / f"{t.name}.parquet").exists()]
    return compute(con, backends.read_tables(con, folder, present), start=date(2019, 1, 1), end=date(2020, 12, 31))


def test_two_runs_give_identical_tables(con, tmp_path):
    if con.name == "pyspark":
        # It passes on Spark but takes over ten minutes of a two-core machine. The order is fixed by sorting the
        # aggregated rows in numpy (values.encode) after they leave the backend, so the DuckDB run checks it.
        pytest.skip("two 20,000-person runs take minutes on a local Spark session; the fixed order is backend-free")
    generate(GeneratorConfig(people=20_000, seed=7, years=2), tmp_path)
    assert pq.read_metadata(tmp_path / "deaths.parquet").num_rows > 0
    first, second = _run(con, tmp_path), _run(con, tmp_path)
    assert first.values.column("suppression_reason").drop_null().unique().to_pylist()  # some cells are suppressed
    assert first.values.equals(second.values)
    assert first.values_suppressed.equals(second.values_suppressed)
    # Reprs, because NaN (an RII without limits) never equals itself.
    assert repr(first.inequalities.to_pylist()) == repr(second.inequalities.to_pylist())
