"""`make bench`: run every ``benchmarks/bench_*.py`` script in its own process.

Each script measures its own baseline (see ``harness.py``) and writes ``benchmarks/results/<name>.json``. Pass
names to run a subset: ``python benchmarks/run.py generate``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(selected: list[str]) -> int:
    """Run the selected benchmarks (all when none are named) and return the number that failed."""
    scripts = sorted(HERE.glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in selected]
    failures = 0
    if not scripts:
        sys.path.insert(0, str(HERE))
        from harness import measure_baseline, write_result

        write_result("harness", {"benchmarks_found": 0}, measure_baseline())
        return 0
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        failures += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
    return failures


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
