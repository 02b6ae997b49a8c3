"""Generated ICSs shared by the synthetic-data tests: each is generated once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from peolc.synthetic import GeneratorConfig, generate


@pytest.fixture(scope="session")
def tiny_ics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4,000-person ICS."""
    out = tmp_path_factory.mktemp("tiny_ics")
    generate(GeneratorConfig(people=4_000, seed=7), out)
    return out


@pytest.fixture(scope="session")
def calibration_ics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 200,000-person ICS for the calibration checks."""
    out = tmp_path_factory.mktemp("calibration_ics")
    generate(GeneratorConfig(people=200_000, seed=42), out)
    return out
