"""Importing a practice register from CSV: every problem reported by row, and all rows kept or none."""

import argparse
import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from peolc.register import commands
from peolc.register.actions import mark_reviewed
from peolc.register.importing import (
    MAX_ERRORS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    RegisterImportError,
    import_practice_register,
    parse_date,
)
from peolc.register.models import EmergencySummary, Person, Preferences, RegisterEntry, RespectDecision

pytestmark = pytest.mark.django_db

COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


@pytest.fixture
def good_row(next_nhs_number):
    def make(n: int, **values):
        row = {
            "nhs_number": next_nhs_number(), "given_name": "Ada", "family_name": f"Imported{n}",
            "date_of_birth": "1941-05-06", "sex": "F", "postcode": "le1 1aa", "address": "1 High Street",
            "date_added": "12/03/2024", "prognosis": "Months", "main_diagnosis": "cancer",
            "consent_to_share": "given", "identification_route": "", "preferred_place_of_death": "",
            "preferred_place_discussed_on": "", "cpr_recommendation": "", "cpr_decided_on": "",
            "cpr_clinician_name": "", "cpr_clinician_role": "",
        }
        row.update(values)
        return row

    return make


def write_csv(path, rows, columns=COLUMNS):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_dates_are_read_in_either_form():
    assert parse_date("2024-03-12") == parse_date("12/03/2024") == parse_date(" 12/3/2024 ") == date(2024, 3, 12)
    for bad in ("2024-13-01", "31/02/2024", "12-03-2024", "March 2024", ""):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_a_good_file_is_imported_whole_and_audited(users, orgs, good_row, tmp_path, events, no_identifiers_in_audit):
    path = write_csv(tmp_path / "register.csv", [
        good_row(1),
        good_row(2, preferred_place_of_death="Home", preferred_place_discussed_on="2024-04-01"),
        good_row(3, cpr_recommendation="not_attempt", cpr_decided_on="2024-04-02", cpr_clinician_name="Dr A",
                 cpr_clinician_role="GP", identification_route="clinician"),
    ])
    result = import_practice_register(users["gp"], orgs["practice"], path)
    assert (result.rows, result.imported, result.skipped) == (3, 3, 0)
    people = {p.family_name: p for p in Person.objects.select_related("entry")}
    assert set(people) == {"Imported1", "Imported2", "Imported3"}
    first = people["Imported1"]
    assert (first.sex, first.postcode, first.date_of_birth) == ("female", "LE1 1AA", date(1941, 5, 6))
    assert (first.entry.date_added, first.entry.prognosis, first.entry.identification_route) == (
        date(2024, 3, 12), "months", "imported")
    assert people["Imported3"].entry.identification_route == "clinician"
    assert Preferences.objects.get(person=people["Imported2"]).discussed_on == date(2024, 4, 1)
    assert RespectDecision.objects.get(person=people["Imported3"]).cpr_recommendation == "not_attempt"
    [event] = events("register.import")
    assert (event.actor_username, event.object_type, event.object_id) == ("gp", "organisation", "Y99001")
    assert event.details == {"source": "register.csv", "rows": 3, "imported": 3, "skipped": 0}
    assert len(events("register.add")) == 3
    no_identifiers_in_audit(*people.values())


def test_every_bad_row_is_reported_and_nothing_is_written(users, orgs, good_row, tmp_path, events, person):
    path = write_csv(tmp_path / "register.csv", [
        good_row(1),
        good_row(2, nhs_number="1234567890", date_of_birth="1941-02-30"),
        good_row(3),
        good_row(4, sex="x", main_diagnosis="", date_added="2999-01-01"),
        good_row(5, nhs_number=person.nhs_number),
        good_row(6, cpr_recommendation="attempt"),
        good_row(7, date_added="1930-01-01"),
        good_row(8, preferred_place_of_death="moon"),
    ])
    with pytest.raises(RegisterImportError) as error:
        import_practice_register(users["gp"], orgs["practice"], path)
    assert error.value.errors == [
        "register.csv:row 3: date_of_birth: not a date (use YYYY-MM-DD or DD/MM/YYYY)",
        "register.csv:row 3: nhs_number: not a valid NHS number (10 digits with a correct check digit)",
        "register.csv:row 5: main_diagnosis: missing value",
        "register.csv:row 5: sex: not one of female, male, unknown",
        "register.csv:row 7: cpr_decided_on: needed when cpr_recommendation is given",
        "register.csv:row 7: cpr_clinician_name: needed when cpr_recommendation is given",
        "register.csv:row 7: cpr_clinician_role: needed when cpr_recommendation is given",
        "register.csv:row 9: preferred_place_of_death: not one of care_home, home, hospice, hospital, other, "
        "undecided",
        "register.csv:row 6: nhs_number: already on the register at this practice (use skip existing to leave them "
        "as they are)",
        "register.csv:row 8: date_added: The date cannot be before the person's date of birth.",
    ]
    assert list(Person.objects.all()) == [person]
    assert not events("register.import")
    refused = events("register.import_refused")[-1]
    assert refused.details == {"source": "register.csv", "rows": 8, "problems": 10}
    assert len(events("register.add")) == 1  # the fixture's person only


def test_a_future_date_added_is_reported(users, orgs, good_row):
    with pytest.raises(RegisterImportError) as error:
        import_practice_register(users["gp"], orgs["practice"], [good_row(1, date_added="2999-01-01")])
    assert error.value.errors == ["rows:row 2: date_added: The date cannot be in the future."]


def test_the_same_person_twice_in_one_file_is_refused(users, orgs, good_row):
    row = good_row(1)
    with pytest.raises(RegisterImportError) as error:
        import_practice_register(users["gp"], orgs["practice"], [row, dict(row)], source_name="x.csv")
    assert error.value.errors[0].startswith("x.csv:row 3: nhs_number: already on the register at this practice")
    assert not Person.objects.exists()


def test_missing_and_unknown_columns_are_reported_before_any_row(users, orgs, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("nhs number,given_name,family_name,date_of_birth,sex,date_added,main_diagnosis\n1,2,3,4,5,6,7\n")
    with pytest.raises(RegisterImportError) as error:
        import_practice_register(users["gp"], orgs["practice"], path)
    assert error.value.errors == [
        "r.csv:row 1: nhs_number: missing column",
        "r.csv:row 1: consent_to_share: missing column",
        "r.csv:row 1: nhs number: unknown column (check the spelling against docs/register-import.md)",
    ]


def test_a_spreadsheet_byte_order_mark_is_ignored(users, orgs, good_row, tmp_path):
    path = write_csv(tmp_path / "bom.csv", [good_row(1)])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert import_practice_register(users["gp"], orgs["practice"], path).imported == 1


def test_an_open_file_is_read_too(users, orgs, good_row):
    handle = io.StringIO()
    writer = csv.DictWriter(handle, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerow(good_row(1))
    handle.seek(0)
    assert import_practice_register(users["gp"], orgs["practice"], handle).imported == 1


def test_errors_stop_after_the_limit(users, orgs, good_row):
    rows = [good_row(n, sex="x") for n in range(MAX_ERRORS + 10)]
    with pytest.raises(RegisterImportError) as error:
        import_practice_register(users["gp"], orgs["practice"], rows)
    assert len(error.value.errors) == MAX_ERRORS + 1
    assert "stopped after 50 problems" in error.value.errors[-1]


def test_skip_existing_leaves_people_already_at_the_practice(users, orgs, good_row, person, events):
    rows = [good_row(1, nhs_number=person.nhs_number), good_row(2)]
    result = import_practice_register(users["gp"], orgs["practice"], rows, skip_existing=True)
    assert (result.imported, result.skipped) == (1, 1)
    assert Person.objects.get(pk=person.pk).family_name == person.family_name
    assert events("register.import")[0].details["skipped"] == 1


def test_skip_existing_does_not_cover_people_at_another_practice(users, orgs, good_row, add_person):
    elsewhere = add_person(practice=orgs["other_practice"])
    with pytest.raises(RegisterImportError) as error:
        import_practice_register(users["gp"], orgs["practice"], [good_row(1, nhs_number=elsewhere.nhs_number)],
                                 skip_existing=True)
    assert error.value.errors == ["rows:row 2: nhs_number: already on the register at another practice"]


def test_possible_duplicates_need_confirmation(users, orgs, good_row, person):
    row = good_row(1, family_name=person.family_name, date_of_birth=person.date_of_birth.isoformat())
    with pytest.raises(RegisterImportError) as error:
        import_practice_register(users["gp"], orgs["practice"], [row])
    assert "same family name and date of birth" in error.value.errors[0]
    assert import_practice_register(users["gp"], orgs["practice"], [row], confirm_possible_duplicates=True).imported


def test_a_care_coordinator_imports_for_a_practice_in_the_network_but_not_cpr(users, orgs, good_row):
    result = import_practice_register(users["coordinator"], orgs["practice"], [good_row(1)])
    assert result.imported == 1
    row = good_row(2, cpr_recommendation="attempt", cpr_decided_on="2024-04-02", cpr_clinician_name="Dr A",
                   cpr_clinician_role="GP")
    with pytest.raises(RegisterImportError) as error:
        import_practice_register(users["coordinator"], orgs["practice"], [row])
    assert error.value.errors == ["rows:row 2: cpr_recommendation: only a clinician can import CPR recommendations"]
    assert Person.objects.count() == 1


@pytest.mark.parametrize("who", ["analyst", "editor", "admin", "urgent"])
def test_roles_without_the_permission_cannot_import(users, orgs, good_row, who, events):
    with pytest.raises(PermissionDenied):
        import_practice_register(users[who], orgs["practice"], [good_row(1)])
    assert not Person.objects.exists()
    assert not events()


@pytest.mark.parametrize("who", ["sibling_gp", "far_gp", "hospice"])
def test_clinicians_cannot_import_another_organisations_register(users, orgs, good_row, who):
    with pytest.raises(PermissionDenied):
        import_practice_register(users[who], orgs["practice"], [good_row(1)])
    assert not Person.objects.exists()


def test_anonymous_and_inactive_users_cannot_import(users, orgs, good_row):
    with pytest.raises(PermissionDenied):
        import_practice_register(None, orgs["practice"], [good_row(1)])
    users["gp"].is_active = False
    with pytest.raises(PermissionDenied):
        import_practice_register(users["gp"], orgs["practice"], [good_row(1)])
    assert not Person.objects.exists()


def test_only_a_gp_practice_can_be_imported_into(users, orgs, good_row):
    with pytest.raises(ValidationError):
        import_practice_register(users["coordinator"], orgs["pcn"], [good_row(1)])


# --- the command ----------------------------------------------------------------------------------------------------


def run(argv):
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_the_command_imports_and_prints_counts(users, good_row, tmp_path, capsys):
    path = write_csv(tmp_path / "register.csv", [good_row(1), good_row(2)])
    assert run(["register", "import", "--practice", "y99001", "--as", "gp", str(path)]) == 0
    assert f"{path}: 2 rows, 2 added to the register, 0 already registered and skipped." in capsys.readouterr().out
    assert Person.objects.count() == 2


def test_the_command_prints_each_problem_and_exits_1_with_nothing_written(users, good_row, tmp_path, capsys):
    path = write_csv(tmp_path / "register.csv", [good_row(1), good_row(2, sex="x"), good_row(3, date_added="")])
    assert run(["register", "import", "--practice", "Y99001", "--as", "gp", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        f"{path}:row 3: sex: not one of female, male, unknown", f"{path}:row 4: date_added: missing value"
    ]
    assert "nothing was imported" in err[-1]
    assert not Person.objects.exists()
    assert not RegisterEntry.objects.exists()


@pytest.mark.parametrize(
    ("practice", "username", "message"),
    [("Y99001", "nobody", "no active user"), ("ZZZ", "gp", "no organisation"), ("Y99001", "analyst", "permission"),
     ("Y99003", "gp", "only for your own practice")],
)
def test_the_command_refuses_unknown_or_unauthorised_users(users, good_row, tmp_path, capsys, practice, username,
                                                          message):
    path = write_csv(tmp_path / "register.csv", [good_row(1)])
    assert run(["register", "import", "--practice", practice, "--as", username, str(path)]) == 2
    assert message in capsys.readouterr().err
    assert not Person.objects.exists()


def test_the_command_reports_a_missing_file(users, tmp_path, capsys):
    assert run(["register", "import", "--practice", "Y99001", "--as", "gp", str(tmp_path / "none.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_imported_content_is_not_reviewed_even_when_a_gp_imports_it(users, orgs, good_row, tmp_path, events):
    path = write_csv(tmp_path / "register.csv", [
        good_row(1, cpr_recommendation="not_attempt", cpr_decided_on="2024-04-02", cpr_clinician_name="Dr A",
                 cpr_clinician_role="GP"),
    ])
    import_practice_register(users["gp"], orgs["practice"], path)
    person = Person.objects.get()
    states = {s.name: s for s in person.sections.all()}
    assert set(states) == {"person", "entry", "respect"}
    assert all(s.imported_unreviewed and s.imported_from == "register.csv" for s in states.values())
    assert all(e.details["imported"] for e in events("record.update") if e.details["section"] in states)
    content = EmergencySummary.objects.get(person=person).content
    assert content["cpr"]["imported"].startswith("Imported from register.csv on ")
    assert content["cpr"]["imported"].endswith("not yet reviewed by a clinician")
    assert content["imported"][0]["sections"] == ["Personal details", "Register entry", "ReSPECT and CPR decision"]
    mark_reviewed(users["gp"], person, "respect", expected_version=1)
    assert EmergencySummary.objects.get(person=person).content["cpr"]["imported"] == ""
    assert events("record.review")[-1].details["imported_from"] == "register.csv"


def test_the_record_and_summary_pages_say_what_was_imported_and_not_reviewed(users, orgs, good_row, tmp_path,
                                                                              client):
    import_practice_register(users["gp"], orgs["practice"], write_csv(tmp_path / "register.csv", [good_row(1)]))
    person = Person.objects.get()
    client.force_login(users["gp"])
    for name in ("register:record", "register:emergency-summary"):
        page = client.get(reverse(name, args=[person.pk])).content.decode()
        assert "Imported from register.csv on" in page, name
        assert "not yet reviewed by a clinician" in page, name
