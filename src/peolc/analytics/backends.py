"""Connections to the engines the pipelines run on, and reading and writing contract Parquet through them.

DuckDB is the default (a laptop, a practice, an ICS); PySpark in local mode or on a cluster runs the same Ibis code
for a region or the nation. Pipelines only ever see Ibis tables.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import ibis
from ibis.backends import BaseBackend

BACKENDS = ("duckdb", "spark")


def connect(backend: str = "duckdb", *, threads: int | None = None) -> BaseBackend:
    """Open an Ibis connection: in-process DuckDB, or a local PySpark session (``SPARK_MASTER`` overrides)."""
    if backend == "duckdb":
        config = {"threads": threads} if threads else {}
        return ibis.duckdb.connect(**config)
    if backend == "spark":
        return _spark()
    raise ValueError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")


def _spark() -> BaseBackend:
    # py4j logs at INFO while the interpreter shuts down, after logging's streams have closed.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
        .appName("peolc")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "2"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", os.environ.get("SPARK_WAREHOUSE_DIR") or tempfile.mkdtemp(prefix="spark-"))
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "4g"))
        .getOrCreate()
    )
    return ibis.pyspark.connect(session)


def read_tables(con: BaseBackend, data_dir: Path, names: Iterable[str]) -> dict[str, ibis.Table]:
    """Contract tables from ``<data_dir>/<name>.parquet``, registered on ``con`` under their own names."""
    tables = {}
    for name in names:
        path = Path(data_dir) / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path}: the contract table {name} is missing")
        tables[name] = con.read_parquet(str(path), table_name=name)
    return tables


def write_parquet(con: BaseBackend, table: ibis.Table, path: Path) -> int:
    """Write ``table`` to one Parquet file at ``path`` (atomically) and return its row count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = con.to_pyarrow(table)
    import pyarrow.parquet as pq

    partial = path.with_suffix(".parquet.partial")
    pq.write_table(result, partial)
    partial.replace(path)
    return result.num_rows
