"""Find and add show who a matching person is only to users who already have access to them."""

import re
from datetime import date

import pytest
from django.urls import reverse

from peolc import nhs_number
from peolc.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _identity(person) -> list[str]:
    return [person.given_name, person.family_name.upper(), nhs_number.format(person.nhs_number), person.nhs_number,
            "14 March 1940", person.practice.name]


def _without_practice_choices(page: str) -> str:
    return re.sub(r"<select.*?</select>", "", page, flags=re.S)


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-id").first()


def test_a_gp_at_another_practice_searching_an_nhs_number_sees_no_name_birth_date_or_practice(client, users, person):
    client.force_login(users["far_gp"])
    response = client.post(reverse("register:find"), {"nhs_number": nhs_number.format(person.nhs_number)})
    page = response.content.decode()
    assert response.status_code == 200
    for value in _identity(person):
        assert value not in page.replace('value="' + nhs_number.format(person.nhs_number), "")
    assert "may already exist" in page
    assert reverse("register:break-glass", args=[person.pk]) in page
    assert f'href="{reverse("register:record", args=[person.pk])}"' not in page
    event = _last("register.search")
    assert event.actor_username == "far-gp"
    assert event.details == {"by": "nhs_number", "matched": [str(person.pk)], "shown": []}
    assert person.nhs_number not in str(event.details)


def test_urgent_care_is_offered_the_emergency_summary_not_the_details(client, users, person):
    client.force_login(users["urgent"])
    page = client.post(reverse("register:find"), {"nhs_number": person.nhs_number}).content.decode()
    assert person.family_name not in page and person.family_name.upper() not in page
    assert reverse("register:emergency-summary", args=[person.pk]) in page


def test_a_search_by_name_and_birth_date_outside_scope_shows_no_details(client, users, person):
    client.force_login(users["far_gp"])
    page = client.post(reverse("register:find"), {
        "family_name": person.family_name, "date_of_birth[day]": "14", "date_of_birth[month]": "3",
        "date_of_birth[year]": "1940"}).content.decode()
    assert person.nhs_number not in page and nhs_number.format(person.nhs_number) not in page
    assert person.practice.name not in page
    assert person.given_name not in page
    event = _last("register.search")
    assert event.details["by"] == "name_and_birth_date"
    assert event.details["matched"] == [str(person.pk)]
    assert person.family_name not in str(event.details)


def test_the_practice_gp_finds_their_patient_with_details_and_a_link(client, users, person):
    client.force_login(users["gp"])
    page = client.post(reverse("register:find"), {"nhs_number": person.nhs_number}).content.decode()
    assert person.family_name.upper() in page
    assert reverse("register:record", args=[person.pk]) in page
    assert _last("register.search").details["shown"] == [str(person.pk)]


def test_adding_an_nhs_number_on_the_register_elsewhere_shows_only_how_to_get_access(client, users, person, orgs,
                                                                                     add_form):
    client.force_login(users["far_gp"])
    data = add_form(nhs_number=person.nhs_number, practice=str(orgs["far_practice"].pk))
    response = client.post(reverse("register:add"), data)
    page = _without_practice_choices(response.content.decode())
    assert response.status_code == 400
    assert "A record for this person may already exist" in page
    assert "ask their GP practice to add you" in page
    assert person.practice.name not in page
    assert person.family_name not in page and person.family_name.upper() not in page
    assert f'href="{reverse("register:record", args=[person.pk])}"' not in page
    event = _last("register.duplicate_found")
    assert (event.actor_username, event.details) == (
        "far-gp", {"kind": "nhs_number", "matched": [str(person.pk)], "shown": []})


def test_adding_someone_already_in_scope_links_to_their_record(client, users, person, add_form):
    client.force_login(users["gp"])
    page = client.post(reverse("register:add"), add_form(nhs_number=person.nhs_number)).content.decode()
    assert "This NHS number is already on the register" in page
    assert reverse("register:record", args=[person.pk]) in page
    assert _last("register.duplicate_found").details["shown"] == [str(person.pk)]


def test_a_possible_duplicate_elsewhere_is_counted_not_described(client, users, person, orgs, add_form):
    client.force_login(users["far_gp"])
    data = add_form(family_name=person.family_name, date_of_birth=date(1940, 3, 14),
                    practice=str(orgs["far_practice"].pk))
    response = client.post(reverse("register:add"), data)
    page = _without_practice_choices(response.content.decode())
    assert response.status_code == 400
    assert "1 person with the same last name and date of birth whose details you cannot see" in page
    assert person.practice.name not in page
    assert person.nhs_number not in page and nhs_number.format(person.nhs_number) not in page
    event = _last("register.duplicate_found")
    assert event.details == {"kind": "name_and_birth_date", "matched": [str(person.pk)], "shown": []}
