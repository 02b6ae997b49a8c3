"""Editors' workflow, bulk import, postcodes, opening hours, the public pages and the gap map."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peolc.core.models import AuditEvent, Organisation, User
from peolc.directory import actions, hours
from peolc.directory import models as m


@pytest.fixture
def editor(directory):
    hospice = Organisation.objects.filter(type="hospice").order_by("code").first()
    user = User.objects.create(username="editor", role="directory_editor", organisation=hospice)
    return user


def _form_data(org, **overrides):
    data = {"organization": str(org.id), "name": "Evening hospice at home", "description": "Care at home.",
            "terms": [str(m.TaxonomyTerm.objects.get(code="hospice-at-home").id)], "status": "active",
            "phone": "0115 000 0000", "opening": "every-day", "opens_at": "18:00", "closes_at": "08:00",
            "address_1": "", "city": "", "postcode": ""}
    data.update(overrides)
    return data


def test_editor_adds_a_service_with_metadata_and_audit(client, editor):
    client.force_login(editor)
    org = m.DirectoryOrganization.objects.get(organisation=editor.organisation)
    response = client.post("/directory/manage/new/", _form_data(org))
    assert response.status_code == 302, response.content[:2000]
    service = m.Service.objects.get(name="Evening hospice at home")
    assert service.last_reviewed == date.today() or service.last_reviewed is not None
    assert m.Metadata.objects.filter(resource_id=service.id, field_name="name").exists()
    assert AuditEvent.objects.filter(action="directory.service.create", object_id=str(service.id)).exists()
    assert client.get(f"/directory/manage/{service.id}/history/").status_code == 200


def test_editor_cannot_touch_another_organisations_services(client, editor):
    other = m.Service.objects.exclude(organization__organisation=editor.organisation).first()
    client.force_login(editor)
    assert client.get(f"/directory/manage/{other.id}/edit/").status_code == 404
    with pytest.raises(PermissionDenied):
        actions.mark_reviewed(editor, other)


def test_overdue_entries_are_flagged_and_hidden_from_verified(client, editor):
    service = actions.editable_services(editor).first()
    m.Service.objects.filter(pk=service.pk).update(last_reviewed=date.today() - timedelta(days=200))
    client.force_login(editor)
    page = client.get("/directory/manage/").content.decode()
    assert "Needs review" in page and service.name in page
    verified = client.get("/directory/api/services", {"verified": "true", "per_page": 200}).json()
    assert str(service.id) not in {s["id"] for s in verified["contents"]}
    assert client.post(f"/directory/manage/{service.id}/review/").status_code == 302
    service.refresh_from_db()
    assert not service.needs_review(date.today())


def test_clinicians_cannot_edit_and_planners_see_the_gap_map(client, editor, make_user):
    gp = make_user("gp", "gp")
    client.force_login(gp)
    assert client.get("/directory/manage/").status_code == 403
    page = client.get("/directory/gaps/", {"term": "hospice-at-home", "within": "10"})
    assert page.status_code == 200 and b"<svg" in page.content and b"Need-weighted" in page.content
    csv_text = client.get("/directory/gaps.csv").content.decode()
    assert csv_text.startswith("term,level,code,name,available") and "Hospice at home" in csv_text
    client.force_login(editor)
    assert client.get("/directory/gaps/").status_code == 403


def test_import_round_trip_and_all_or_nothing(client, editor):
    client.force_login(editor)
    exported = client.get("/directory/api/manage/export").json()["contents"]
    assert exported
    before = m.Service.objects.count()
    bad = json.loads(json.dumps(exported))
    bad[1]["status"] = "open"
    del bad[0]["name"]
    with pytest.raises(actions.ImportProblems) as problems:
        actions.import_services(editor, bad)
    text = " | ".join(problems.value.messages)
    assert "services[0]" in text and "'name' is a required property" in text
    assert f"services[1] ({bad[1]['name']}) status" in text
    assert m.Service.objects.count() == before
    response = client.post("/directory/api/manage/import", data=json.dumps(bad), content_type="application/json")
    assert response.status_code == 422 and response.headers["Content-Type"] == "application/problem+json"
    assert actions.import_services(editor, exported) == {"created": 0, "replaced": len(exported)}
    assert m.Service.objects.count() == before


def test_postcode_file_in_ons_format(tmp_path, db):
    path = tmp_path / "nspl.csv"
    path.write_text("pcd,pcds,lat,long,lsoa21\nNG15DT,NG1 5DT,52.95,-1.15,E01000001\n"
                    "ZZ999ZZ,ZZ99 9ZZ,99.999999,0.0,\n")
    assert actions.load_postcodes(actions.read_postcode_csv(path), system_actor="test") == 1
    assert m.Postcode.objects.get().lsoa_code == "E01000001"
    (tmp_path / "bad.csv").write_text("postcode,x\n")
    with pytest.raises(ValidationError):
        actions.read_postcode_csv(tmp_path / "bad.csv")


def _schedule(**kwargs):
    defaults = {"byday": "MO,TU,WE,TH,FR", "opens_at": time(9), "closes_at": time(17), "all_day": False,
                "open_on_bank_holidays": False, "valid_from": None, "valid_to": None}
    return m.Schedule(**(defaults | kwargs))


@pytest.mark.parametrize(("when", "expected"), [
    ("2026-11-23T10:00:00+00:00", True),     # Monday 10am
    ("2026-11-23T17:30:00+00:00", False),    # after closing
    ("2026-11-28T10:00:00+00:00", False),    # Saturday
    ("2026-12-25T10:00:00+00:00", False),    # Christmas Day, a Friday bank holiday
    ("2026-07-06T08:30:00+00:00", True),     # 9:30 in London (BST)
])
def test_opening_hours_in_london_with_bank_holidays(when, expected):
    assert hours.is_open([_schedule()], datetime.fromisoformat(when)) is expected


def test_overnight_and_24_7():
    overnight = _schedule(byday="MO", opens_at=time(18), closes_at=time(8))
    assert hours.is_open([overnight], datetime.fromisoformat("2026-11-24T03:00:00+00:00"))  # Tuesday 3am
    always = _schedule(byday="MO,TU,WE,TH,FR,SA,SU", all_day=True, open_on_bank_holidays=True)
    assert hours.is_24_7([always]) and hours.is_open([always], datetime.fromisoformat("2026-12-25T03:00:00+00:00"))
    assert hours.describe(always) == "Every day, 24 hours; open on bank holidays"
    assert date(2026, 12, 28) in hours.bank_holidays()


def test_public_search_page_without_signing_in(client, directory):
    postcode = m.Location.objects.filter(service_at_locations__service__attributes__taxonomy_term__code=
                                         "anticipatory-medicines-pharmacy").first().postal_code
    page = client.get("/directory/", {"need": "anticipatory-medicines-pharmacy", "postcode": postcode,
                                      "distance": "25"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "anticipatory medicines" in text and "km away" in text
    assert client.get("/directory/", {"postcode": "nonsense"}).status_code == 400
    service = m.Service.objects.first()
    assert client.get(f"/directory/services/{service.id}/").status_code == 200


def test_demo_load_is_idempotent(directory, tiny_data):
    from peolc.directory.sources import load_demo_directory

    count = m.Service.objects.count()
    assert directory["services"] == count >= 30
    load_demo_directory(tiny_data)
    assert m.Service.objects.count() == count
    covered = set(m.Attribute.objects.values_list("taxonomy_term__code", flat=True))
    assert covered >= {"hospice-at-home", "advice-line-24-7", "anticipatory-medicines-pharmacy", "equipment",
                       "bereavement-support", "carers-support", "social-care", "community-nursing"}
    assert m.Area.objects.filter(palliative_need__gt=0).exists()


def test_postcodes_command(tmp_path, db, capsys):
    import argparse

    from peolc.directory.commands import register, run_postcodes

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    path = tmp_path / "onspd.csv"
    path.write_text("pcds,lat,long,lsoa11\nNG1 5DT,52.95,-1.15,E01000001\n")
    assert run_postcodes(parser.parse_args(["directory", "postcodes", str(path)])) == 0
    assert "1 loaded" in capsys.readouterr().out
    assert run_postcodes(argparse.Namespace(file=tmp_path / "missing.csv")) == 1
