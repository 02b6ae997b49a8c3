import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peolc.core.actions.organisations import create_organisation, load_organisations, update_organisation
from peolc.core.models import AuditEvent, Organisation


def test_an_administrator_adds_a_practice_under_a_pcn(admin_user, ics):
    practice = create_organisation(admin_user, code=" y99003 ", name="New Surgery", type="gp_practice",
                                   parent=ics["pcn"], postcode="le1 1aa")
    assert practice.code == "Y99003"
    assert practice.postcode == "LE1 1AA"
    assert practice.locality == ics["locality"]
    event = AuditEvent.objects.get(action="organisation.create")
    assert event.object_id == "Y99003"
    assert event.actor_username == "admin"
    assert event.details["parent"] == "U99001"


def test_a_gp_cannot_add_organisations(gp_user, ics):
    with pytest.raises(PermissionDenied):
        create_organisation(gp_user, code="Y99003", name="X", type="gp_practice", parent=ics["pcn"])
    assert not Organisation.objects.filter(code="Y99003").exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("kind", "parent_key", "message"),
    [
        ("gp_practice", "icb", "cannot sit under"),
        ("pcn", None, "must have a parent"),
        ("locality", "pcn", "cannot sit under"),
    ],
)
def test_the_hierarchy_is_enforced(admin_user, ics, kind, parent_key, message):
    with pytest.raises(ValidationError, match=message):
        create_organisation(admin_user, code="ZZ1", name="X", type=kind,
                            parent=ics[parent_key] if parent_key else None)
    assert not Organisation.objects.filter(code="ZZ1").exists()
    assert not AuditEvent.objects.exists()


def test_duplicate_codes_are_refused(admin_user, ics):
    with pytest.raises(ValidationError):
        create_organisation(admin_user, code="Y99001", name="Copy", type="gp_practice", parent=ics["pcn"])


def test_an_update_records_what_changed(admin_user, ics):
    update_organisation(admin_user, ics["practice"], name="Renamed Surgery", postcode="LE2 2BB")
    event = AuditEvent.objects.get(action="organisation.update")
    assert event.details["changed"]["name"] == {"from": "Org Y99001", "to": "Renamed Surgery"}


def test_an_organisation_cannot_be_moved_under_its_own_descendant(admin_user, ics):
    other_locality = create_organisation(admin_user, code="QXX02", name="L2", type="locality", parent=ics["icb"])
    with pytest.raises(ValidationError):
        update_organisation(admin_user, ics["locality"], parent=other_locality)


def test_moving_a_pcn_moves_its_practices_to_the_new_locality(admin_user, ics):
    south = create_organisation(admin_user, code="QXX02", name="South", type="locality", parent=ics["icb"])
    update_organisation(admin_user, ics["pcn"], parent=south)
    ics["practice"].refresh_from_db()
    assert ics["practice"].locality == south


def test_an_unchanged_update_writes_no_audit_event(admin_user, ics):
    update_organisation(admin_user, ics["practice"], name=ics["practice"].name)
    assert not AuditEvent.objects.filter(action="organisation.update").exists()


ROWS = [
    {"code": "Y10001", "name": "Practice", "type": "gp_practice", "parent": "U10001", "postcode": "LE1 1AA"},
    {"code": "U10001", "name": "PCN", "type": "pcn", "parent": "Q1001", "postcode": ""},
    {"code": "Q1001", "name": "Locality", "type": "locality", "parent": "Q10", "postcode": ""},
    {"code": "Q10", "name": "ICB", "type": "icb", "parent": None, "postcode": ""},
]


def test_loading_resolves_parents_in_any_order_and_is_idempotent(db):
    assert load_organisations(ROWS, system_actor="test") == {"created": 4, "updated": 0, "unchanged": 0}
    assert Organisation.objects.get(code="Y10001").locality.code == "Q1001"
    assert load_organisations(ROWS, system_actor="test") == {"created": 0, "updated": 0, "unchanged": 4}
    changed = [dict(ROWS[0], name="Renamed"), *ROWS[1:]]
    assert load_organisations(changed, system_actor="test")["updated"] == 1
    assert AuditEvent.objects.filter(action="organisation.load").count() == 3


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ({"code": "Y10002", "name": "X", "type": "gp_practice", "parent": "NOPE"}, "parent NOPE is not known"),
        ({"code": "Y10002", "name": "X", "type": "spaceship", "parent": "U10001"}, "unknown organisation type"),
        ({"code": "", "name": "X", "type": "gp_practice", "parent": "U10001"}, "code is missing"),
        ({"code": "Y10001", "name": "X", "type": "gp_practice", "parent": "U10001"}, "more than once"),
        ({"code": "Y10002", "name": "X", "type": "gp_practice", "parent": "Q10"}, "cannot sit under"),
    ],
)
def test_a_bad_row_loads_nothing(db, bad_row, message):
    with pytest.raises(ValidationError, match=message):
        load_organisations([*ROWS, bad_row], system_actor="test")
    assert not Organisation.objects.exists()
    assert not AuditEvent.objects.exists()


def test_parent_loops_are_refused(db):
    rows = [
        {"code": "A1", "name": "A", "type": "pcn", "parent": "B1"},
        {"code": "B1", "name": "B", "type": "locality", "parent": "A1"},
    ]
    with pytest.raises(ValidationError, match="loop"):
        load_organisations(rows, system_actor="test")
