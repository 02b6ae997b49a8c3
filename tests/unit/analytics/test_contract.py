"""The linked dataset contract: its documentation and the validator on good and broken files."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from peolc.analytics import contract
from peolc.synthetic import commands

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def broken(tiny_ics: Path, tmp_path: Path) -> Path:
    """A writable copy of the tiny ICS."""
    out = tmp_path / "data"
    shutil.copytree(tiny_ics, out)
    return out


def _rewrite(directory: Path, name: str, change) -> None:
    path = directory / f"{name}.parquet"
    pq.write_table(change(pq.read_table(path)), path)


def _problems(directory: Path, table: str, column: str | None = None) -> list[contract.Problem]:
    report = contract.validate_directory(directory)
    assert not report.ok
    return [p for p in report.problems if p.table == table and (column is None or p.column == column)]


def test_generated_data_meets_the_contract(tiny_ics: Path) -> None:
    report = contract.validate_directory(tiny_ics)
    assert report.ok, [str(p) for p in report.problems]
    assert set(report.row_counts) == {t.name for t in contract.TABLES}


def test_every_table_declares_typed_documented_columns() -> None:
    required = {
        "organisations",
        "patients",
        "identifiers",
        "practice_registrations",
        "deaths",
        "hospital_spells",
        "emergency_attendances",
        "gp_events",
        "medications",
        "care_home_residency",
        "community_contacts",
        "hospice_contacts",
        "register_snapshot",
    }
    assert required <= set(contract.TABLES_BY_NAME)
    for spec in contract.TABLES:
        for col in spec.columns:
            assert col.type in contract.ARROW_TYPES
            assert col.description


def test_wrong_type_is_reported(broken: Path) -> None:
    _rewrite(
        broken,
        "deaths",
        lambda t: t.set_column(
            t.schema.get_field_index("date_of_death"), "date_of_death", pc.cast(t["date_of_death"], pa.string())
        ),
    )
    [problem] = _problems(broken, "deaths", "date_of_death")
    assert "wrong type" in problem.message


def test_missing_column_is_reported(broken: Path) -> None:
    _rewrite(broken, "hospital_spells", lambda t: t.drop_columns(["admission_method"]))
    [problem] = _problems(broken, "hospital_spells", "admission_method")
    assert "missing column" in problem.message


def test_missing_required_file_is_reported(broken: Path) -> None:
    (broken / "patients.parquet").unlink()
    assert _problems(broken, "patients")[0].message.startswith("missing file")


def test_invalid_snomed_code_is_reported_with_rows(broken: Path) -> None:
    def corrupt(t: pa.Table) -> pa.Table:
        codes = t["snomed_code"].to_pylist()
        codes[2] = "123456780"  # the Verhoeff check digit of 12345678 is 4, not 0
        return t.set_column(t.schema.get_field_index("snomed_code"), "snomed_code", pa.array(codes))

    _rewrite(broken, "gp_events", corrupt)
    [problem] = _problems(broken, "gp_events", "snomed_code")
    assert problem.rows == (3,) and problem.count == 1
    assert "123456780" in problem.message


def test_invalid_icd10_and_allowed_values_are_reported(broken: Path) -> None:
    def corrupt(t: pa.Table) -> pa.Table:
        causes = t["underlying_cause"].to_pylist()
        causes[0] = "C34.9"
        places = t["place_of_death"].to_pylist()
        places[1] = "street"
        t = t.set_column(t.schema.get_field_index("underlying_cause"), "underlying_cause", pa.array(causes))
        return t.set_column(t.schema.get_field_index("place_of_death"), "place_of_death", pa.array(places))

    _rewrite(broken, "deaths", corrupt)
    assert _problems(broken, "deaths", "underlying_cause")[0].rows == (1,)
    assert _problems(broken, "deaths", "place_of_death")[0].rows == (2,)


def test_invalid_nhs_number_is_reported(broken: Path) -> None:
    def corrupt(t: pa.Table) -> pa.Table:
        numbers = t["nhs_number"].to_pylist()
        numbers[4] = numbers[4][:9] + str((int(numbers[4][9]) + 1) % 10)
        return t.set_column(1, "nhs_number", pa.array(numbers))

    _rewrite(broken, "identifiers", corrupt)
    [problem] = _problems(broken, "identifiers", "nhs_number")
    assert problem.rows == (5,)


def test_events_after_death_are_reported(broken: Path) -> None:
    deaths = pq.read_table(broken / "deaths.parquet")
    pid = deaths["patient_id"][0].as_py()
    after = pa.scalar(deaths["date_of_death"][0].as_py().replace(year=2030), pa.date32())

    def add_event(t: pa.Table) -> pa.Table:
        row = pa.table(
            {
                "patient_id": [pid],
                "event_date": pa.array([after]),
                "snomed_code": ["84114007"],
                "value": pa.array([None], pa.float64()),
                "practice_code": [t["practice_code"][0].as_py()],
            },
            schema=t.schema,
        )
        return pa.concat_tables([t, row])

    _rewrite(broken, "gp_events", add_event)
    [problem] = _problems(broken, "gp_events", "event_date")
    assert "after the person's date of death" in problem.message
    assert problem.rows == (pq.read_metadata(broken / "gp_events.parquet").num_rows,)


def test_unknown_patient_and_duplicate_key_are_reported(broken: Path) -> None:
    _rewrite(broken, "medications", lambda t: t.set_column(0, "patient_id", pc.add(t["patient_id"], 10**12)))
    _rewrite(broken, "patients", lambda t: pa.concat_tables([t, t.slice(0, 1)]))
    assert "not in patients" in _problems(broken, "medications", "patient_id")[0].message
    assert "duplicate" in _problems(broken, "patients", "patient_id")[0].message


def test_organisation_of_wrong_type_is_reported(broken: Path) -> None:
    hospice = "ZH001"
    _rewrite(broken, "gp_events", lambda t: t.set_column(4, "practice_code", pa.array([hospice] * t.num_rows)))
    [problem] = _problems(broken, "gp_events", "practice_code")
    assert "wrong type" in problem.message and problem.count > 0


def test_csv_files_are_validated(tiny_ics: Path, tmp_path: Path) -> None:
    shutil.copytree(tiny_ics, tmp_path / "csv")
    orgs = pq.read_table(tiny_ics / "organisations.parquet")
    (tmp_path / "csv" / "organisations.parquet").unlink()
    pacsv.write_csv(orgs, tmp_path / "csv" / "organisations.csv")
    assert contract.validate_directory(tmp_path / "csv").ok

    capacity = [str(v) if v is not None else None for v in orgs["capacity"].to_pylist()]
    capacity[-1] = "lots"
    orgs = orgs.set_column(orgs.schema.get_field_index("capacity"), "capacity", pa.array(capacity))
    pacsv.write_csv(orgs, tmp_path / "csv" / "organisations.csv")
    report = contract.validate_directory(tmp_path / "csv")
    [problem] = [p for p in report.problems if p.column == "capacity"]
    assert problem.rows == (orgs.num_rows,)


def test_validate_command_exit_status(tiny_ics: Path, broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert commands.validate_command(argparse.Namespace(data=str(tiny_ics), max_rows=5)) == 0
    _rewrite(broken, "hospital_spells", lambda t: t.drop_columns(["primary_diagnosis"]))
    assert commands.validate_command(argparse.Namespace(data=str(broken), max_rows=5)) == 1
    assert "hospital_spells.primary_diagnosis: missing column" in capsys.readouterr().out


def test_committed_documentation_is_up_to_date() -> None:
    doc = REPO / "docs" / "data-contract.md"
    assert doc.read_text(encoding="utf-8") == contract.contract_markdown(), "run `peolc contract-docs`"


def test_contract_docs_check(tmp_path: Path) -> None:
    target, outputs = tmp_path / "contract.md", tmp_path / "outputs.md"

    def run(check: bool) -> int:
        args = argparse.Namespace(out=str(target), outputs_out=str(outputs), check=check)
        return commands.contract_docs_command(args)

    assert run(check=True) == 1
    assert run(check=False) == 0
    assert run(check=True) == 0
    outputs.write_text("stale", encoding="utf-8")
    assert run(check=True) == 1


@pytest.mark.parametrize(("digits", "valid"), [("84114007", True), ("84114008", False), ("22298006", True)])
def test_verhoeff(digits: str, valid: bool) -> None:
    assert contract.verhoeff_valid(digits) is valid
