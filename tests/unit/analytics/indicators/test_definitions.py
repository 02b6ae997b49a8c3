"""Every indicator definition file is complete, valid and documented."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path

import pytest

from peolc.analytics.indicators import docs
from peolc.analytics.indicators.definitions import (
    REQUIRED_FIELDS,
    DefinitionError,
    load_definitions,
    load_folder,
    parse,
)

DOCS = Path(__file__).resolve().parents[4] / "docs" / "indicators"


def _raw_files():
    folder = resources.files("peolc.analytics.indicators").joinpath("definitions")
    return {e.name: json.loads(e.read_text(encoding="utf-8")) for e in folder.iterdir() if e.name.endswith(".json")}


def test_at_least_twenty_definitions_with_unique_ids():
    ids = [d.id for d in load_definitions()]
    assert len(ids) >= 20
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("name", sorted(_raw_files()))
def test_every_file_has_every_field(name):
    raw = _raw_files()[name]
    assert set(REQUIRED_FIELDS) <= set(raw)
    assert all(raw[field] not in ("", [], None) for field in REQUIRED_FIELDS if field != "references")


def test_the_issue_s_indicators_are_all_defined():
    ids = {d.id for d in load_definitions()}
    assert {
        "deaths_in_hospital",
        "deaths_at_home",
        "deaths_in_care_home",
        "deaths_in_hospice",
        "deaths_elsewhere",
        "deaths_in_usual_place_of_residence",
        "emergency_admissions_3plus_last_90_days",
        "emergency_admission_last_90_days",
        "emergency_bed_days_last_90_days",
        "ae_attendance_last_30_days",
        "on_register_before_death",
        "median_days_on_register",
        "acp_before_death",
        "respect_cpr_decision_before_death",
        "preferred_place_recorded_before_death",
        "died_in_preferred_place",
        "named_coordinator_before_death",
        "carer_assessment_before_death",
        "anticipatory_medicines_before_death",
        "hospice_contact_last_year",
        "register_prevalence_vs_expected",
        "under_75_mortality_palliative_causes",
    } <= ids


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("rationale"), "missing rationale"),
        (lambda d: d.update(ambitions=[7]), "ambitions"),
        (lambda d: d.update(polarity="up"), "polarity"),
        (lambda d: d.update(statistical_method="byar"), "wilson"),
        (lambda d: d["numerator"].update(where=[["no_such_column", "eq", 1]]), "no column"),
        (lambda d: d["numerator"].update(where=[["place_of_death", "like", "h%"]]), "unknown operator"),
        (lambda d: d.update(breakdowns=["age_band"]), "breakdowns"),
        (lambda d: d.update(period_types=["week"]), "period_types"),
        (lambda d: d.pop("checked_by"), "missing checked_by"),
        (lambda d: d.update(authored_by=" "), "authored_by names who wrote"),
        (lambda d: d.update(last_reviewed="23/11/2026"), "last_reviewed is an ISO date"),
        (lambda d: d.update(review_date="2027-31-03"), "review_date is an ISO date"),
        (lambda d: d.update(last_reviewed="2027-04-01"), "review_date .* is after last_reviewed"),
    ],
)
def test_invalid_definitions_are_refused(change, message):
    raw = copy.deepcopy(_raw_files()["deaths_at_home.json"])
    change(raw)
    with pytest.raises(DefinitionError, match=message):
        parse(raw)


def test_committed_docs_are_current():
    assert docs.stale(DOCS) == [], "run `peolc indicators docs`"


def test_every_definition_says_who_wrote_and_checked_it_and_when_it_was_reviewed():
    for d in load_definitions():
        assert d.authored_by and d.checked_by
        assert d.last_reviewed < d.review_date


def test_an_invalid_file_is_refused_with_its_file_name(tmp_path):
    raw = copy.deepcopy(_raw_files()["deaths_at_home.json"])
    del raw["last_reviewed"]
    (tmp_path / "deaths_at_home.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"^deaths_at_home\.json: .*missing last_reviewed"):
        load_folder(tmp_path)


def test_an_indicator_page_shows_its_governance():
    page = docs.page(next(d for d in load_definitions() if d.id == "deaths_at_home"))
    assert "| Authored by | peolc engineering team |" in page
    assert "| Checked by | awaiting clinical/analytical check |" in page
    assert "| Last reviewed | 2026-11-23 |" in page
    assert "| Next review | 2027-03-31 |" in page
