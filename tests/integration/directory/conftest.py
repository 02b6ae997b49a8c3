"""Fixtures for the directory: a tiny synthetic ICS with its demo directory, and ORUK schema validation."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    """Contract files for a 3,000-person synthetic ICS (made once per run)."""
    from peolc.synthetic.generator import GeneratorConfig, generate

    out = tmp_path_factory.mktemp("tiny-ics")
    generate(GeneratorConfig(people=3_000, seed=11), out)
    return out


@pytest.fixture(scope="session")
def tiny_outputs(tiny_data, tmp_path_factory) -> Path:
    """The population step's outputs (list sizes and neighbourhood need) for the tiny ICS."""
    from peolc.analytics.pipeline import run_pipeline

    out = tmp_path_factory.mktemp("tiny-outputs")
    run_pipeline(tiny_data, out, steps=["population"])
    return out


@pytest.fixture
def directory(db, tiny_data, tiny_outputs):
    """The synthetic ICS's organisations and demo directory, loaded as `peolc load` does."""
    from peolc.core.actions.organisations import load_organisations
    from peolc.core.sources import organisation_rows
    from peolc.directory.sources import load_demo_directory

    load_organisations(organisation_rows(tiny_data, tiny_outputs), system_actor="test")
    return load_demo_directory(tiny_data, tiny_outputs)
