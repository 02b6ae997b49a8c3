"""Bad input to the register pages and actions gets a clear 4xx or form error, never a 500 or a partial write."""

import threading
from unittest import mock

import pytest
from django.urls import reverse

from peolc.core.models import User
from peolc.register import actions
from peolc.register.actions import update_section
from peolc.register.importing import RegisterImportError, import_practice_register
from peolc.register.models import CareTeamMember, Person

pytestmark = pytest.mark.django_db

OTHER_SCRIPTS = ["٩٩٩٠٠٠٠٠١٨", "９９９０００００１８", "۹۹۹ ۰۰۰ ۰۰۱۸"]


@pytest.mark.parametrize("number", OTHER_SCRIPTS)
def test_an_nhs_number_in_another_scripts_digits_is_a_form_error_on_the_add_page(client, users, add_form, number):
    client.force_login(users["gp"])
    response = client.post(reverse("register:add"), add_form(nhs_number=number))
    assert response.status_code == 400
    assert "Enter a valid 10-digit NHS number" in response.content.decode()
    assert not Person.objects.exists()


@pytest.mark.parametrize("number", OTHER_SCRIPTS)
def test_an_nhs_number_in_another_scripts_digits_is_a_row_error_in_a_csv_import(users, orgs, number):
    row = {"nhs_number": number, "given_name": "Ann", "family_name": "Import", "date_of_birth": "1940-01-01",
           "sex": "F", "date_added": "2026-01-05", "main_diagnosis": "cancer", "consent_to_share": "given"}
    with pytest.raises(RegisterImportError) as error:
        import_practice_register(users["gp"], orgs["practice"], [row], source_name="register.csv")
    assert any("row 2: nhs_number" in message for message in error.value.errors)
    assert not Person.objects.exists()


@pytest.mark.parametrize("number", OTHER_SCRIPTS)
def test_an_nhs_number_in_another_scripts_digits_finds_nobody(client, users, person, number):
    client.force_login(users["gp"])
    response = client.post(reverse("register:find"), {"nhs_number": number})
    assert response.status_code == 400
    assert "Enter a valid 10-digit NHS number" in response.content.decode()


@pytest.mark.parametrize("version", ["abc", "1.5", "٣", "99999999999999999999999"])
def test_a_malformed_expected_version_on_an_edit_is_a_400_and_nothing_is_saved(client, users, person, version):
    client.force_login(users["gp"])
    response = client.post(reverse("register:edit-section", args=[person.pk, "preferences"]),
                           {"expected_version": version, "preferred_place_of_death": "home"})
    assert response.status_code == 400
    assert "The page was out of date" in response.content.decode()
    assert not hasattr(Person.objects.get(pk=person.pk), "preferences")


def test_an_empty_submission_of_an_edit_page_is_a_400_not_a_server_error(client, users, person):
    client.force_login(users["gp"])
    response = client.post(reverse("register:edit-section", args=[person.pk, "preferences"]), {})
    assert response.status_code == 400
    assert "The page was out of date" in response.content.decode()


@pytest.mark.parametrize("version", ["abc", ""])
def test_a_malformed_expected_version_on_a_review_is_a_400(client, users, person, version):
    client.force_login(users["gp"])
    response = client.post(reverse("register:review-section", args=[person.pk, "entry"]),
                           {"expected_version": version})
    assert response.status_code == 400


def test_a_concurrent_add_of_the_same_nhs_number_is_reported_as_a_duplicate(client, users, add_form, add_person):
    """The second of two adds passes the duplicate check, then meets the unique constraint on insert."""
    client.force_login(users["gp"])
    data = add_form()
    check = actions._validate_person

    added = []

    def first_add_lands_in_between(person, today):
        check(person, today)
        if not added:
            added.append(person.nhs_number)
            add_person(nhs_number=person.nhs_number, family_name="Concurrent")

    with mock.patch.object(actions, "_validate_person", first_add_lands_in_between):
        response = client.post(reverse("register:add"), data)
    assert response.status_code == 400
    assert "This NHS number is already on the register" in response.content.decode()
    assert added  # the other add did land in between
    # (Here it shares the test's transaction, so it rolls back with the refused add; in life it is committed.)
    assert not Person.objects.filter(family_name="Pageperson").exists()


def test_editing_the_care_team_keeps_the_link_to_named_users(client, users, person, orgs):
    member = CareTeamMember.objects.create(person=person, role="specialist_palliative", name="Hospice Tester",
                                           organisation=orgs["hospice"], user=users["hospice"])
    client.force_login(users["gp"])
    page = client.get(reverse("register:edit-section", args=[person.pk, "care_team"]))
    assert f'name="items-0-id" value="{member.pk}"' in page.content.decode()
    data = {"expected_version": "0", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "1",
            "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000", "items-0-id": str(member.pk),
            "items-0-role": "specialist_palliative", "items-0-name": "Hospice Tester",
            "items-0-organisation": str(orgs["hospice"].pk), "items-0-phone": "0116 496 0000"}
    response = client.post(reverse("register:edit-section", args=[person.pk, "care_team"]), data)
    assert response.status_code == 302, response.content.decode()
    kept = CareTeamMember.objects.get(person=person)
    assert (kept.user, kept.phone) == (users["hospice"], "0116 496 0000")
    from peolc.register.access import record_access_basis

    assert record_access_basis(User.objects.get(pk=users["hospice"].pk), Person.objects.get(pk=person.pk)) \
        == "relationship"


def test_a_forged_member_id_cannot_link_a_user_to_another_persons_care_team(users, person, add_person, orgs):
    other = add_person(family_name="Other")
    theirs = CareTeamMember.objects.create(person=other, role="other", name="Linked", user=users["hospice"])
    update_section(users["gp"], person, "care_team", expected_version=0,
                   items=[{"id": theirs.pk, "role": "other", "name": "Forged", "organisation": None, "phone": ""}])
    assert CareTeamMember.objects.get(person=person).user is None
    assert CareTeamMember.objects.get(pk=theirs.pk).user == users["hospice"]


@pytest.mark.django_db(transaction=True)
def test_two_adds_of_one_nhs_number_on_two_database_connections(users, person_data):
    """On PostgreSQL, a real second connection commits the same NHS number while the first add is under way."""
    from django.db import connection, connections

    from peolc.register.actions import DuplicatePerson, add_to_register

    if connection.vendor != "postgresql":
        pytest.skip("needs a second connection to a server database")
    first, second = person_data(family_name="First"), person_data(family_name="Second")
    second["person"]["nhs_number"] = first["person"]["nhs_number"]
    check = actions._validate_person
    committed = []

    def other_add(person, today):
        check(person, today)
        if committed:
            return
        committed.append(True)

        def add_and_commit():
            try:
                add_to_register(users["gp"], **second)
            finally:
                connections.close_all()

        worker = threading.Thread(target=add_and_commit)
        worker.start()
        worker.join()

    with mock.patch.object(actions, "_validate_person", other_add), pytest.raises(DuplicatePerson):
        add_to_register(users["gp"], **first)
    assert list(Person.objects.values_list("family_name", flat=True)) == ["Second"]
