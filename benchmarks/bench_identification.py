"""Benchmark the identification step: DuckDB (whole step), pandas (same features) and Spark local.

    python benchmarks/bench_identification.py [--people 1000000] [--spark-people 200000] [--skip-spark]

Generates a synthetic ICS into a temporary directory, runs the pipeline step on DuckDB in a child process (so its
peak memory is measured on its own), times the features at one index date on DuckDB and in pandas in the same run,
then the whole step on Spark local. Writes ``benchmarks/results/identification.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import harness  # noqa: E402
import pandas_identification  # noqa: E402

from peolc.analytics import backends  # noqa: E402
from peolc.analytics.contract import TABLES  # noqa: E402
from peolc.analytics.identification.features import build_features  # noqa: E402
from peolc.synthetic import GeneratorConfig, generate  # noqa: E402

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from peolc.analytics.pipeline import run_pipeline
started = time.perf_counter()
summary = run_pipeline(Path(sys.argv[1]), Path(sys.argv[2]), backend=sys.argv[3], steps=["identification"])
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "summary": summary}))
"""


def run_step(data: Path, out: Path, backend: str) -> dict:
    """The whole identification step in a fresh process: seconds, peak resident MiB and the run summary."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(data), str(out), backend], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--spark-people", type=int, default=200_000)
    parser.add_argument("--skip-spark", action="store_true")
    args = parser.parse_args()
    baseline = harness.measure_baseline()
    figures: dict = {"people": args.people}
    with tempfile.TemporaryDirectory(prefix="peolc-bench-ident-") as tmp:
        data = Path(tmp) / "ics"
        seconds, result = harness.timed(lambda: generate(GeneratorConfig(people=args.people), data))
        figures["generate_seconds"] = round(seconds, 2)
        figures["row_counts"] = result.row_counts
        figures["event_rows"] = sum(
            v for k, v in result.row_counts.items() if k not in ("organisations", "identifiers", "postcodes")
        )
        index = date.fromisoformat(result.metadata["extract_end"])

        step = run_step(data, Path(tmp) / "out_duckdb", "duckdb")
        figures["duckdb_step_seconds"] = round(step["seconds"], 2)
        figures["duckdb_step_peak_mb"] = round(step["peak_mb"], 1)
        figures["duckdb_step_summary"] = step["summary"]["steps"]["identification"]

        con = backends.connect("duckdb")
        present = [t.name for t in TABLES if (data / f"{t.name}.parquet").exists()]
        tables = backends.read_tables(con, data, present)
        seconds, features = harness.timed(lambda: con.to_pyarrow(build_features(tables, index)))
        figures["duckdb_features_seconds"] = round(seconds, 2)
        figures["people_scored"] = features.num_rows
        seconds, frame = harness.timed(lambda: pandas_identification.features(data, index))
        figures["pandas_features_seconds"] = round(seconds, 2)
        figures["pandas_people"] = len(frame)
        figures["pandas_over_duckdb_features"] = round(
            figures["pandas_features_seconds"] / figures["duckdb_features_seconds"], 2
        )
        # The step computes features three times (two training years and the scoring date), fits and writes.
        figures["pandas_three_index_dates_over_duckdb_step"] = round(
            3 * figures["pandas_features_seconds"] / figures["duckdb_step_seconds"], 2
        )

        if not args.skip_spark:
            spark_data = data
            if args.spark_people != args.people:
                spark_data = Path(tmp) / "ics_spark"
                generate(GeneratorConfig(people=args.spark_people), spark_data)
            started = time.perf_counter()
            spark = run_step(spark_data, Path(tmp) / "out_spark", "spark")
            figures["spark_people"] = args.spark_people
            figures["spark_step_seconds"] = round(spark["seconds"], 2)
            figures["spark_wall_seconds"] = round(time.perf_counter() - started, 2)
    figures["bench_process_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    harness.write_result("identification", figures, baseline)


if __name__ == "__main__":
    main()
