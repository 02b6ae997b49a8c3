"""A tiny generated ICS shared by the contract tests."""

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
