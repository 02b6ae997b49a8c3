"""The hazard log's evidence is real: every test it names exists, and every hazard names at least one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "clinical-safety" / "hazard-log.md"
EVIDENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
HAZARD = re.compile(r"^## (HAZ-\d{3})\b", re.MULTILINE)


def _sections() -> dict[str, str]:
    text = LOG.read_text(encoding="utf-8")
    starts = [(match.group(1), match.start()) for match in HAZARD.finditer(text)]
    ends = [start for _, start in starts[1:]] + [len(text)]
    return {name: text[start:end] for (name, start), end in zip(starts, ends, strict=True)}


def test_the_log_has_hazards_with_distinct_numbers():
    names = HAZARD.findall(LOG.read_text(encoding="utf-8"))
    assert names, "no hazards found"
    assert len(names) == len(set(names))


def test_every_hazard_names_the_tests_that_evidence_its_controls():
    unevidenced = [name for name, section in _sections().items() if not EVIDENCE.search(section)]
    assert unevidenced == []


def test_every_named_test_exists():
    missing = []
    for path, name in EVIDENCE.findall(LOG.read_text(encoding="utf-8")):
        source = ROOT / path
        if not source.exists() or not re.search(rf"^\s*def {name}\(", source.read_text(encoding="utf-8"), re.MULTILINE):
            missing.append(f"{path}::{name}")
    assert missing == []
