"""The synthetic ICS generator: determinism, structure, codes and ground truth."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from peolc import nhs_number, reference
from peolc.analytics import contract
from peolc.synthetic import GeneratorConfig, codes, commands, died_within, generate
from peolc.synthetic.generator import synthetic_nhs_numbers
from peolc.synthetic.population import calibrated_choice


def _read(directory: Path, name: str):
    return pq.read_table(directory / f"{name}.parquet")


def test_same_seed_gives_identical_files(tiny_ics: Path, tmp_path: Path) -> None:
    generate(GeneratorConfig(people=4_000, seed=7), tmp_path)
    for spec in contract.TABLES:
        assert (tmp_path / f"{spec.name}.parquet").read_bytes() == (tiny_ics / f"{spec.name}.parquet").read_bytes()


def test_another_seed_differs(tiny_ics: Path, tmp_path: Path) -> None:
    generate(GeneratorConfig(people=4_000, seed=8), tmp_path)
    assert not _read(tmp_path, "deaths").equals(_read(tiny_ics, "deaths"))


def test_organisations_form_one_hierarchy(tiny_ics: Path) -> None:
    orgs = _read(tiny_ics, "organisations").to_pylist()
    by_code = {o["code"]: o for o in orgs}
    types = [o["type"] for o in orgs]
    assert types.count("icb") == 1 and types.count("locality") == 4
    for kind in contract.ORGANISATION_TYPES:
        assert kind in types
    for org in orgs:
        if org["type"] == "icb":
            assert org["parent_code"] is None
        else:
            assert org["parent_code"] in by_code
    for org in orgs:
        if org["type"] == "gp_practice":
            assert by_code[org["parent_code"]]["type"] == "pcn"
            assert by_code[org["locality_code"]]["type"] == "locality"


def test_large_ics_has_the_described_structure() -> None:
    from peolc.synthetic.geography import build_ics

    orgs = build_ics(1_000_000, np.random.default_rng(0)).organisations
    counts = dict(zip(*np.unique(orgs["type"].to_numpy(zero_copy_only=False), return_counts=True), strict=True))
    assert counts["gp_practice"] == 120
    assert 18 <= counts["pcn"] <= 22
    assert counts["acute_trust"] == 3 and counts["hospice"] == 3
    assert 60 <= counts["care_home"] <= 150


def test_nhs_numbers_are_valid_unique_and_in_the_test_range(tiny_ics: Path) -> None:
    numbers = _read(tiny_ics, "identifiers")["nhs_number"].to_pylist()
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith("999") and nhs_number.is_valid(n) for n in numbers)


def test_nhs_numbers_beyond_the_999_block_stay_valid() -> None:
    numbers = synthetic_nhs_numbers(np.random.default_rng(1), 950_000)
    assert np.unique(numbers).size == numbers.size
    beyond = numbers[~np.char.startswith(numbers, "999")]
    assert beyond.size == 950_000 - 909_091
    assert all(nhs_number.is_valid(str(n)) for n in beyond[:2000])


def test_every_code_comes_from_a_reference_list() -> None:
    for listname, listed in codes.SNOMED_SOURCES.items():
        known = reference.codelist(listname)
        assert set(listed) <= set(known), listname
    for cause in codes.CAUSES:
        if cause.snomed:
            assert any(cause.snomed in group for group in codes.SNOMED_SOURCES.values())
    usual, alternatives = codes.anticipatory_products()
    assert len(usual) == 4 and all(contract.verhoeff_valid(c) for c in usual + alternatives)


def test_emitted_codes_are_real_and_findable(tiny_ics: Path) -> None:
    listed = {c for group in codes.SNOMED_SOURCES.values() for c in group}
    assert set(pc.unique(_read(tiny_ics, "gp_events")["snomed_code"]).to_pylist()) <= listed
    hfrs = {r["icd10_code"] for r in reference.rows("hfrs_icd10.csv")}
    secondary = pc.list_flatten(_read(tiny_ics, "hospital_spells")["secondary_diagnoses"]).to_pylist()
    assert len({c[:3] for c in secondary} & hfrs) > 20
    register_codes = set(codes.ON_REGISTER)
    events = _read(tiny_ics, "gp_events")
    coded = events.filter(pc.is_in(events["snomed_code"], value_set=pa.array(sorted(register_codes))))
    on_register = set(coded["patient_id"].to_pylist())
    assert on_register == set(_read(tiny_ics, "register_snapshot")["patient_id"].to_pylist())


def test_activity_rises_towards_death(tiny_ics: Path) -> None:
    deaths = _read(tiny_ics, "deaths").select(["patient_id", "date_of_death"]).to_pandas()
    spells = _read(tiny_ics, "hospital_spells").select(["patient_id", "admission_date"]).to_pandas()
    joined = spells.merge(deaths, on="patient_id")
    before = (joined["date_of_death"] - joined["admission_date"]).map(lambda d: d.days)
    last_quarter = ((before >= 0) & (before < 91)).sum()
    fourth_quarter_back = ((before >= 273) & (before < 365)).sum()
    assert last_quarter > 2 * fourth_quarter_back


def test_register_snapshot_shape(tiny_ics: Path) -> None:
    register = _read(tiny_ics, "register_snapshot")
    assert register.schema.equals(contract.table("register_snapshot").schema, check_metadata=False)
    rows = register.to_pylist()
    assert all((r["acp_date"] is not None) == r["acp"] for r in rows)
    assert all((r["cpr_decision_date"] is not None) == r["cpr_decision"] for r in rows)
    patients = _read(tiny_ics, "patients").num_rows
    # Everyone ever on the register over six years of activity, not the point prevalence.
    assert 0.005 < len(rows) / patients < 0.06


def test_died_within_matches_deaths(tiny_ics: Path) -> None:
    deaths = _read(tiny_ics, "deaths")
    as_of = date(2021, 3, 31)
    ids = died_within(tiny_ics / "deaths.parquet", as_of, 12)
    expected = sorted(r["patient_id"] for r in deaths.to_pylist() if as_of < r["date_of_death"] <= date(2022, 3, 31))
    assert ids.tolist() == expected and len(expected) > 0


def test_calibrated_choice_meets_targets_and_keeps_gradients() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=20_000)
    logits = np.column_stack([x, -x, np.zeros_like(x)])
    choice = calibrated_choice(rng, logits, np.array([0.5, 0.3, 0.2]))
    shares = np.bincount(choice, minlength=3) / choice.size
    assert np.allclose(shares, [0.5, 0.3, 0.2], atol=0.002)
    assert x[choice == 0].mean() > x[choice == 1].mean()


def test_generate_command_writes_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(
        people=2_000, seed=1, start=date(2019, 1, 1), years=3, out=str(tmp_path), report=True, quiet=True
    )
    assert commands.generate_command(args) == 0
    assert (tmp_path / "calibration.json").exists() and (tmp_path / "calibration.md").exists()
    assert (tmp_path / "metadata.json").exists()
    assert "Place of death" in capsys.readouterr().out


def test_calibration_command_needs_data(tmp_path: Path) -> None:
    assert commands.calibration_command(argparse.Namespace(data=str(tmp_path))) == 1
