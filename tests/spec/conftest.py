"""Spec tests: analytics behaviour written once as small tables, run on every backend.

A test takes the ``con`` fixture (an Ibis connection) and builds its input with ``make_table``. Spark tests share
one local session and are marked ``spark`` so a quick run can leave them out (``-m "not spark"``).
"""

from __future__ import annotations

import pytest

BACKEND_PARAMS = [pytest.param("duckdb", id="duckdb"), pytest.param("spark", id="spark", marks=pytest.mark.spark)]


@pytest.fixture(scope="session")
def spark_connection():
    pytest.importorskip("pyspark", reason="install the spark extra: pip install -e '.[spark]'")
    from peolc.analytics.backends import connect

    return connect("spark")


@pytest.fixture(params=BACKEND_PARAMS)
def con(request):
    """An Ibis connection on each backend in turn."""
    if request.param == "spark":
        return request.getfixturevalue("spark_connection")
    from peolc.analytics.backends import connect

    return connect("duckdb")


@pytest.fixture
def make_table():
    """An in-memory Ibis table from rows (a list of dicts, or a pyarrow Table); it runs on whichever backend
    executes the expression."""
    import ibis
    import pyarrow as pa

    def make(rows, schema: pa.Schema | None = None):
        return ibis.memtable(rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema=schema))

    return make
