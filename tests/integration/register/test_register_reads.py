"""Reading the register through its actions: searching, exporting and opening the break-glass page each check the
actor's permission and are audited by whose rows were read, never by identifiers."""

import pytest
from django.core.exceptions import PermissionDenied

from peolc import nhs_number
from peolc.register import actions

pytestmark = pytest.mark.django_db


def test_a_search_shows_only_people_in_scope_and_audits_who_matched(users, person, events, no_identifiers_in_audit):
    shown, hidden = actions.search_register(users["far_gp"], nhs_number=person.nhs_number, family_name="",
                                            date_of_birth=None)
    assert (shown, hidden) == ([], [person])
    shown, hidden = actions.search_register(users["gp"], nhs_number="", family_name=f" {person.family_name.upper()}",
                                            date_of_birth=person.date_of_birth)
    assert (shown, hidden) == ([person], [])
    searches = events("register.search")
    assert [e.details for e in searches] == [
        {"by": "nhs_number", "matched": [str(person.pk)], "shown": []},
        {"by": "name_and_birth_date", "matched": [str(person.pk)], "shown": [str(person.pk)]},
    ]
    no_identifiers_in_audit(person)


@pytest.mark.parametrize("who", ["analyst", "editor", "admin", "privacy"])
def test_roles_that_cannot_open_records_cannot_search(users, person, who, events):
    with pytest.raises(PermissionDenied):
        actions.search_register(users[who], nhs_number=person.nhs_number, family_name="", date_of_birth=None)
    assert events("register.search") == []


def test_an_export_holds_the_filtered_register_in_scope_and_is_audited(users, person, add_person, orgs, events,
                                                                       no_identifiers_in_audit):
    add_person(entry={"prognosis": "weeks"}, n=2)
    add_person(actor=users["far_gp"], practice=orgs["far_practice"], n=3)
    rows = actions.export_register(users["gp"], {"prognosis": "months"})
    assert [row[:3] for row in rows] == [[nhs_number.format(person.nhs_number), "Ada", person.family_name]]
    assert len(rows[0]) == len(actions.REGISTER_EXPORT_COLUMNS)
    [event] = events("register.export_csv")
    assert event.details == {"rows": 1, "filters": {"prognosis": "months"}, "people": [str(person.pk)]}
    no_identifiers_in_audit(person)


@pytest.mark.parametrize("who", ["nurse", "hospice", "hospital", "urgent", "analyst", "admin", "privacy"])
def test_roles_without_the_export_permission_cannot_export(users, person, who, events):
    with pytest.raises(PermissionDenied):
        actions.export_register(users[who], {})
    assert events("register.export_csv") == []


def test_opening_the_break_glass_page_is_audited_and_needs_the_permission(users, person, events):
    actions.open_break_glass_page(users["far_gp"], person)
    with pytest.raises(PermissionDenied):
        actions.open_break_glass_page(users["analyst"], person)
    assert [(e.actor_username, e.object_id) for e in events("record.break_glass_page")] == [
        ("far-gp", str(person.pk))]
