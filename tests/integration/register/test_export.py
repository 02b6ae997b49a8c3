"""The register snapshot for the analytics pipelines: the contract's shape, derived from the register."""

import argparse
from datetime import timedelta

import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from peolc.analytics import contract
from peolc.register import commands
from peolc.register.actions import update_section
from peolc.register.exporting import (
    register_snapshot_table,
    surrogate_patient_id,
    write_register_snapshot,
)
from peolc.register.models import Person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = timedelta(days=1)


@pytest.fixture
def full_record(users, add_person):
    """A person with every part of the record the snapshot reads, who has died."""
    person = add_person(patient_id=4242, entry={"date_added": TODAY - 100 * DAY, "prognosis": "weeks"})
    gp = users["gp"]
    update_section(gp, person, "acp", expected_version=0,
                   details={"documented": True, "plan_date": TODAY - 90 * DAY})
    update_section(gp, person, "preferences", expected_version=0,
                   details={"preferred_place_of_death": "home", "discussed_on": TODAY - 80 * DAY})
    update_section(gp, person, "care_team", expected_version=0,
                   items=[{"role": "gp", "name": "Dr A"}])
    update_section(gp, person, "care_team", expected_version=1,
                   items=[{"role": "gp", "name": "Dr A"}, {"role": "coordinator", "name": "Kay"}])
    update_section(gp, person, "carers", expected_version=0, items=[
        {"name": "Bob", "relationship": "Husband", "assessment_completed_on": TODAY - 60 * DAY},
        {"name": "Cat", "relationship": "Daughter", "assessment_completed_on": TODAY - 70 * DAY},
    ])
    update_section(gp, person, "medicines", expected_version=0, items=[
        {"drug": "Midazolam", "route": "subcutaneous", "prescribed_on": TODAY - 50 * DAY},
        {"drug": "Morphine", "route": "subcutaneous", "prescribed_on": TODAY - 40 * DAY},
    ])
    update_section(gp, person, "respect", expected_version=0, details={
        "cpr_recommendation": "not_attempt", "decided_on": TODAY - 30 * DAY, "clinician_name": "Dr A",
        "clinician_role": "GP",
    })
    update_section(gp, person, "after_death", expected_version=0, details={
        "died_on": TODAY - 10 * DAY, "place_of_death": "home", "preferred_place_achieved": "yes",
    })
    return person


def test_a_full_record_becomes_one_contract_row(full_record):
    table = register_snapshot_table(TODAY)
    assert table.schema == contract.table("register_snapshot").schema
    assert table.to_pylist() == [{
        "patient_id": 4242, "practice_code": "Y99001", "date_added": TODAY - 100 * DAY,
        "date_removed": TODAY - 10 * DAY, "removal_reason": "died", "prognosis": "weeks",
        "diagnosis_group": "cancer", "acp": True, "acp_date": TODAY - 90 * DAY,
        "preferred_place_of_death": "home", "preferred_place_date": TODAY - 80 * DAY,
        "coordinator": True, "coordinator_date": TODAY, "carer": True, "carer_assessment_date": TODAY - 70 * DAY,
        "anticipatory_medicines_date": TODAY - 50 * DAY, "cpr_decision": True, "cpr_decision_date": TODAY - 30 * DAY,
    }]


def test_a_bare_entry_has_a_stable_negative_id_and_nothing_recorded(person):
    [row] = register_snapshot_table(TODAY).to_pylist()
    assert row["patient_id"] == surrogate_patient_id(person.pk) < 0
    assert [row["patient_id"]] == register_snapshot_table(TODAY)["patient_id"].to_pylist()
    assert (row["date_removed"], row["removal_reason"], row["acp"], row["coordinator"], row["carer"]) == (
        None, None, False, False, False)
    assert (row["preferred_place_of_death"], row["cpr_decision"], row["anticipatory_medicines_date"]) == (
        None, False, None)


def test_a_removal_gives_its_reason(users, person):
    update_section(users["gp"], person, "entry", expected_version=1, details={
        "status": "removed", "removed_on": TODAY - DAY, "removal_reason": "left_practice",
    })
    [row] = register_snapshot_table(TODAY).to_pylist()
    assert (row["date_removed"], row["removal_reason"]) == (TODAY - DAY, "left_practice")


def test_as_at_an_earlier_date_later_events_are_not_yet_recorded(full_record, add_person):
    add_person(n=2, entry={"date_added": TODAY - DAY})
    [row] = register_snapshot_table(TODAY - 65 * DAY).to_pylist()
    assert (row["date_removed"], row["removal_reason"]) == (None, None)
    assert row["acp"] and row["acp_date"] == TODAY - 90 * DAY
    assert row["carer_assessment_date"] == TODAY - 70 * DAY
    assert (row["anticipatory_medicines_date"], row["cpr_decision"], row["cpr_decision_date"]) == (None, False, None)
    assert (row["coordinator"], row["coordinator_date"]) == (False, None)


def test_a_preference_without_a_discussion_date_takes_the_date_it_was_saved(users, person):
    update_section(users["gp"], person, "preferences", expected_version=0,
                   details={"preferred_place_of_death": "hospice"})
    [row] = register_snapshot_table(TODAY).to_pylist()
    assert (row["preferred_place_of_death"], row["preferred_place_date"]) == ("hospice", TODAY)


@pytest.mark.parametrize("format", ["parquet", "csv"])
def test_the_written_snapshot_passes_the_contract_validator_and_is_audited(full_record, add_person, tmp_path,
                                                                           format, events):
    add_person(n=2)
    path = write_register_snapshot(tmp_path, format=format)
    assert path == tmp_path / f"register_snapshot.{format}"
    assert not list(tmp_path.glob("*.partial"))
    report = contract.validate_directory(tmp_path, tables=["register_snapshot"])
    assert report.ok, [str(p) for p in report.problems]
    assert report.row_counts == {"register_snapshot": 2}
    [event] = events("register.export")
    assert event.actor_username == "peolc register export"
    assert event.details == {"format": format, "as_at": TODAY.isoformat(), "rows": 2}


def test_an_empty_register_is_a_valid_empty_snapshot(db, tmp_path):
    write_register_snapshot(tmp_path)
    assert pq.read_table(tmp_path / "register_snapshot.parquet").num_rows == 0
    assert contract.validate_directory(tmp_path, tables=["register_snapshot"]).ok


def test_an_unknown_format_is_refused(db, tmp_path):
    with pytest.raises(ValueError, match="format"):
        write_register_snapshot(tmp_path, format="xlsx")


def run(argv):
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_the_export_command_writes_the_snapshot_as_at_a_date(person, tmp_path, capsys):
    out = tmp_path / "out"
    as_at = (TODAY - 30 * DAY).isoformat()
    assert run(["register", "export", "--out", str(out), "--format", "csv", "--as-at", as_at]) == 0
    assert str(out / "register_snapshot.csv") in capsys.readouterr().out
    assert contract.validate_directory(out, tables=["register_snapshot"]).row_counts == {"register_snapshot": 1}
    assert Person.objects.count() == 1


def test_the_export_command_rejects_a_bad_date(db, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        run(["register", "export", "--out", str(tmp_path), "--as-at", "31/01/2025"])
    assert exit_info.value.code == 2
