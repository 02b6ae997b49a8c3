"""Shared plumbing for `make bench`: a machine baseline measured in the same run, and JSON results.

Timings on a shared two-core machine drift from run to run, so every benchmark reports its figures both in seconds
and as a ratio to a fixed reference workload (sorting ten million doubles with NumPy) timed in the same process.
"""

from __future__ import annotations

import json
import platform
import resource
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

RESULTS_DIR = Path(__file__).parent / "results"


def measure_baseline(repeats: int = 3) -> float:
    """Return the best-of-``repeats`` time in seconds of the reference workload."""
    rng = np.random.default_rng(0)
    values = rng.random(10_000_000)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        np.sort(values)
        best = min(best, time.perf_counter() - started)
    return best


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``function`` once and return (seconds, its result)."""
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def peak_memory_mb() -> float:
    """Peak resident set size of this process and its finished children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def write_result(name: str, figures: dict[str, Any], baseline_seconds: float) -> Path:
    """Write one benchmark's figures, with ratios to the baseline for every ``*_seconds`` figure."""
    ratios = {
        key.removesuffix("_seconds") + "_vs_baseline": round(value / baseline_seconds, 2)
        for key, value in figures.items()
        if key.endswith("_seconds") and isinstance(value, int | float)
    }
    record = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        "baseline": {"workload": "numpy sort of 1e7 doubles", "seconds": round(baseline_seconds, 4)},
        "figures": figures,
        "ratios": ratios,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return path
