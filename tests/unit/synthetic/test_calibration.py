"""Calibration of a 200,000-person ICS against England targets (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from peolc.synthetic.calibration import PLACE_TARGETS, calibration

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def measures(calibration_ics: Path) -> dict[str, float]:
    return {m.measure: m.value for m in calibration(calibration_ics)}


@pytest.mark.parametrize("place", list(PLACE_TARGETS))
def test_place_of_death_within_one_point(measures: dict[str, float], place: str) -> None:
    assert abs(measures[f"{place} (%)"] - PLACE_TARGETS[place]) <= 1.0


def test_crude_death_rate(measures: dict[str, float]) -> None:
    assert 0.8 <= measures["crude death rate (% per year)"] <= 1.2


def test_emergency_admission_in_last_year(measures: dict[str, float]) -> None:
    assert abs(measures["decedents with an emergency admission in the last year (%)"] - 69) <= 3
    assert measures["… most deprived quintile (%)"] > measures["… least deprived quintile (%)"]


def test_gradients(measures: dict[str, float]) -> None:
    assert (
        measures["hospital deaths, most deprived quintile (%)"]
        > measures["hospital deaths, least deprived quintile (%)"]
    )
    assert measures["home deaths, cancer (%)"] > measures["home deaths, non-cancer (%)"]
    assert measures["hospital deaths, organ failure (%)"] > PLACE_TARGETS["hospital"]


def test_register_is_incomplete_like_real_life(measures: dict[str, float]) -> None:
    prevalence = [v for k, v in measures.items() if k.startswith("on the register, 1 July")]
    assert prevalence and all(0.5 <= p <= 0.9 for p in prevalence)
    assert measures["register entries with cancer (%)"] > measures["deaths from cancer (%)"]
    assert measures["median days on the register before death"] < 120
    assert 65 <= measures["preferred place achieved (% of decedents with one)"] <= 90
