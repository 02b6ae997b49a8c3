"""Benchmark: generate a 1,000,000-person synthetic ICS with five years of events (target: < 3 min, < 8 GB)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import measure_baseline, peak_memory_mb, timed, write_result  # noqa: E402

from peolc.synthetic import GeneratorConfig, generate  # noqa: E402

PEOPLE = 1_000_000


def main() -> int:
    """Run the benchmark and write ``benchmarks/results/generate.json``."""
    baseline = measure_baseline()
    with tempfile.TemporaryDirectory(prefix="peolc-bench-") as out:
        seconds, result = timed(lambda: generate(GeneratorConfig(people=PEOPLE, seed=42, years=5), out))
        size_mb = sum(p.stat().st_size for p in Path(out).glob("*.parquet")) / 2**20
    figures = {
        "people_at_start": PEOPLE,
        "people_total": result.metadata["people_total"],
        "generate_seconds": round(seconds, 2),
        "peak_memory_mb": round(peak_memory_mb(), 1),
        "parquet_mb": round(size_mb, 1),
        "rows": result.row_counts,
        "total_rows": sum(result.row_counts.values()),
    }
    write_result("generate", figures, baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
