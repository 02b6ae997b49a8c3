"""`peolc load`: a synthetic ICS's organisations and register into the web database."""

import pyarrow.parquet as pq
import pytest

from peolc.cli import main
from peolc.core.models import AuditEvent, Organisation, User
from peolc.register import summary
from peolc.register.models import EmergencySummary, Person, RecordSection, SectionVersion


@pytest.fixture(scope="module")
def tiny_ics(tmp_path_factory):
    out = tmp_path_factory.mktemp("ics")
    assert main(["generate", "--people", "3000", "--start", "2021-10-01", "--years", "5", "--out", str(out),
                 "--quiet"]) == 0
    return out


def test_load_brings_in_organisations_demo_users_and_the_register(db, settings, tiny_ics, capsys):
    settings.DEMO_MODE = True
    assert main(["load", "--data", str(tiny_ics)]) == 0
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
    # Every loaded person's emergency summary is stored, and is what their record builds afresh.
    assert EmergencySummary.objects.count() == Person.objects.count()
    for kept in EmergencySummary.objects.select_related("person")[:200]:
        assert kept.content == summary.content(summary.parts_of(kept.person))

    assert main(["load", "--data", str(tiny_ics)]) == 0  # safe to re-run: nothing new
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
