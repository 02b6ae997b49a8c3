"""`peolc load`: a synthetic ICS's organisations and register into the web database."""

import pyarrow.parquet as pq
import pytest
from django.urls import reverse

from peolc.cli import main
from peolc.core.models import AuditEvent, Organisation, User
from peolc.register import summary
from peolc.register.actions import mark_reviewed
from peolc.register.models import (
    AnticipatoryCare,
    AnticipatoryMedicine,
    Carer,
    CareTeamMember,
    EmergencySummary,
    Person,
    Preferences,
    RecordSection,
    RespectDecision,
    SectionVersion,
)


@pytest.fixture(scope="module")
def tiny_ics(tmp_path_factory):
    out = tmp_path_factory.mktemp("ics")
    assert main(["generate", "--people", "3000", "--start", "2021-10-01", "--years", "5", "--out", str(out),
                 "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def tiny_outputs(tiny_ics, tmp_path_factory):
    """The population step's outputs: practices' list sizes and neighbourhood need."""
    out = tmp_path_factory.mktemp("outputs")
    assert main(["pipeline", "run", "--data", str(tiny_ics), "--out", str(out), "--steps", "population"]) == 0
    return out


def test_load_brings_in_organisations_demo_users_and_the_register(db, settings, tiny_ics, tiny_outputs, capsys):
    settings.DEMO_MODE = True
    assert main(["load", "--data", str(tiny_ics), "--outputs", str(tiny_outputs)]) == 0
    snapshot = pq.read_table(tiny_ics / "register_snapshot.parquet")
    assert Organisation.objects.count() == pq.read_table(tiny_ics / "organisations.parquet").num_rows
    assert Person.objects.count() == snapshot.num_rows > 0
    assert User.objects.filter(username="demo-gp", organisation__type="gp_practice").exists()
    practice = User.objects.get(username="demo-gp").organisation
    assert practice.registered_population > 0
    person = Person.objects.select_related("entry").first()
    assert {s.name for s in RecordSection.objects.filter(person=person)} >= {"person", "entry", "care_team"}
    assert all(s.reviewed for s in RecordSection.objects.filter(person=person))
    assert SectionVersion.objects.filter(person=person, version=1).count() == RecordSection.objects.filter(
        person=person).count()
    assert AuditEvent.objects.filter(action="register.load", actor_username="peolc load").count() == 1
    # The demo's records are filled out with made-up content.
    for model in (RespectDecision, AnticipatoryMedicine, Carer, CareTeamMember):
        assert model.objects.exists(), model.__name__
    assert Preferences.objects.filter(has_capacity="yes").exists()
    # Every loaded person's emergency summary is stored, and is what their record builds afresh.
    assert EmergencySummary.objects.count() == Person.objects.count()
    for kept in EmergencySummary.objects.select_related("person")[:200]:
        assert kept.content == summary.content(summary.parts_of(kept.person))

    assert main(["load", "--data", str(tiny_ics), "--outputs", str(tiny_outputs)]) == 0  # safe to re-run
    assert Person.objects.count() == snapshot.num_rows
    assert "Register: 0 people loaded." in capsys.readouterr().out


def test_load_refuses_files_that_break_the_contract(db, tiny_ics, tmp_path, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in tiny_ics.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    table = pq.read_table(broken / "identifiers.parquet")
    pq.write_table(table.set_column(1, "nhs_number", [["1234567890"] * table.num_rows]), broken / "identifiers.parquet")
    assert main(["load", "--data", str(broken)]) == 1
    assert "identifiers.nhs_number" in capsys.readouterr().err
    assert not Organisation.objects.exists()
    assert not Person.objects.exists()


def test_load_refuses_a_pipeline_output_that_breaks_its_declaration_and_loads_nothing(
        db, tiny_ics, tiny_outputs, tmp_path, capsys):
    broken = tmp_path / "outputs"
    broken.mkdir()
    sizes = pq.read_table(tiny_outputs / "practice_list_sizes.parquet")
    pq.write_table(sizes.drop_columns(["list_size"]), broken / "practice_list_sizes.parquet")
    assert main(["load", "--data", str(tiny_ics), "--outputs", str(broken)]) == 1
    error = capsys.readouterr().err
    assert str(broken / "practice_list_sizes.parquet") in error
    assert "practice_list_sizes.list_size: missing column" in error
    assert not Organisation.objects.exists()
    assert not Person.objects.exists()


def test_a_load_outside_demo_mode_keeps_only_what_the_sources_hold_as_imported_not_reviewed(
        db, settings, tiny_ics, tiny_outputs, client):
    settings.DEMO_MODE = False
    assert main(["load", "--data", str(tiny_ics), "--outputs", str(tiny_outputs)]) == 0
    snapshot = pq.read_table(tiny_ics / "register_snapshot.parquet").to_pylist()
    assert Person.objects.count() == len(snapshot) > 0
    assert not User.objects.exists()
    # Nothing the snapshot does not hold: no CPR recommendation, medicine, carer, care team member or capacity.
    for model in (RespectDecision, AnticipatoryMedicine, AnticipatoryCare, Carer, CareTeamMember):
        assert not model.objects.exists(), model.__name__
    assert not Preferences.objects.exclude(has_capacity="unknown").exists()
    assert not Preferences.objects.exclude(preferred_place_of_care="").exists()
    assert set(Person.objects.values_list("given_name", "family_name").distinct()) == {("", "")}
    assert not Person.objects.exclude(entry__consent_to_share="not_recorded").exists()
    # Everything loaded is imported and not reviewed.
    states = list(RecordSection.objects.all())
    assert states and all(s.imported_unreviewed and not s.reviewed_by for s in states)
    # What the snapshot says exists but not what it is is kept as a note.
    with_cpr = next(row for row in snapshot if row["cpr_decision"])
    person = Person.objects.get(patient_id=with_cpr["patient_id"])
    respect = RecordSection.objects.get(person=person, name="respect")
    assert "ReSPECT or CPR decision" in respect.import_note
    # The emergency summary says so, in the CPR box and above.
    urgent = User.objects.create(username="urgent", role="urgent_care_clinician",
                                 organisation=Organisation.objects.first())
    client.force_login(urgent)
    url = reverse("register:emergency-summary", args=[person.pk])
    page = client.get(url).content.decode()
    assert "Imported from the practice register extract on" in page
    assert "not yet reviewed by a clinician" in page
    assert "A decision is recorded elsewhere, not here" in page
    assert "Not for attempted CPR" not in page
    # Once a clinician reviews a section, it no longer reads as imported and unreviewed.
    gp = User.objects.create(username="gp", role="gp", organisation=person.practice)
    mark_reviewed(gp, person, "respect", expected_version=1)
    content = EmergencySummary.objects.get(person=person).content
    assert content["cpr"]["imported"] == ""
    assert "ReSPECT and CPR decision" not in [t for group in content["imported"] for t in group["sections"]]
    assert content == summary.content(summary.parts_of(person))
