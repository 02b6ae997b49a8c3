"""Fixtures for the register's integration tests: one user per role, and people on the register."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import date

import pytest

from peolc import nhs_number
from peolc.core.models import AuditEvent
from peolc.register.actions import add_to_register


def valid_nhs_numbers(start: int = 0) -> Iterator[str]:
    """Valid NHS numbers in the 999 range (never issued to real people), in order."""
    for serial in itertools.count(start):
        prefix = f"999{serial:06d}"
        digit = nhs_number.check_digit(prefix)
        if digit is not None:
            yield f"{prefix}{digit}"


@pytest.fixture
def next_nhs_number():
    """A function returning a fresh valid NHS number each call."""
    numbers = valid_nhs_numbers()
    return lambda: next(numbers)


@pytest.fixture
def orgs(ics, make_organisation):
    """The tiny ICS plus a community provider, an acute trust and a practice in another network."""
    other_pcn = make_organisation("U99002", "pcn", ics["locality"])
    return {
        **ics,
        "community": make_organisation("RXX01", "community_provider", ics["locality"]),
        "acute": make_organisation("RXX02", "acute_trust", ics["icb"]),
        "other_pcn": other_pcn,
        "far_practice": make_organisation("Y99003", "gp_practice", other_pcn),
    }


@pytest.fixture
def users(make_user, orgs):
    """One user per role; ``gp`` works at the person's practice, ``far_gp`` in another network."""
    return {
        "gp": make_user("gp", "gp", orgs["practice"]),
        "sibling_gp": make_user("sibling-gp", "gp", orgs["other_practice"]),
        "far_gp": make_user("far-gp", "gp", orgs["far_practice"]),
        "nurse": make_user("nurse", "community_nurse", orgs["community"]),
        "hospice": make_user("hospice", "hospice_clinician", orgs["hospice"]),
        "hospital": make_user("hospital", "hospital_clinician", orgs["acute"]),
        "urgent": make_user("urgent", "urgent_care_clinician", orgs["urgent_care"]),
        "coordinator": make_user("coordinator", "care_coordinator", orgs["pcn"]),
        "analyst": make_user("analyst", "icb_analyst", orgs["icb"]),
        "editor": make_user("editor", "directory_editor", orgs["hospice"]),
        "admin": make_user("admin", "system_administrator", orgs["icb"]),
        "locality_admin": make_user("locality-admin", "system_administrator", orgs["locality"]),
        "privacy": make_user("privacy", "privacy_officer", orgs["icb"]),
        "locality_privacy": make_user("locality-privacy", "privacy_officer", orgs["locality"]),
    }


@pytest.fixture
def person_data(orgs, next_nhs_number):
    """A function returning ``add_to_register`` keyword arguments for a new person at the practice."""

    def make(**person):
        details = {
            "nhs_number": next_nhs_number(), "given_name": "Ada", "family_name": f"Testperson{person.pop('n', '')}",
            "date_of_birth": date(1940, 3, 14), "sex": "female", "postcode": "le1 1aa", "practice": orgs["practice"],
        }
        details.update(person)
        entry = {"prognosis": "months", "main_diagnosis": "cancer", "consent_to_share": "given",
                 "identification_route": "clinician", "date_added": date(2024, 1, 10)}
        return {"person": details, "entry": entry}

    return make


@pytest.fixture
def add_person(users, person_data):
    """A function that puts a person on the register through the action (as the practice's GP by default)."""

    def add(actor=None, entry=None, **person):
        data = person_data(**person)
        data["entry"].update(entry or {})
        return add_to_register(actor or users["gp"], **data)

    return add


@pytest.fixture
def person(add_person):
    """One person on the register at the practice, added by its GP."""
    return add_person()


@pytest.fixture
def events(db):
    """A function listing audit events, oldest first, optionally of one action."""

    def find(action: str | None = None) -> list[AuditEvent]:
        found = AuditEvent.objects.order_by("id")
        return list(found.filter(action=action) if action else found)

    return find


@pytest.fixture
def no_identifiers_in_audit(db):
    """A function asserting no audit event's details, reason or object id holds a person's NHS number or name."""

    def check(*people) -> None:
        for event in AuditEvent.objects.all():
            text = json.dumps(event.details) + event.reason + event.object_id
            for person in people:
                for value in (person.nhs_number, person.given_name, person.family_name):
                    assert value not in text, f"{event.action} mentions {value!r}"

    return check


@pytest.fixture
def add_form(orgs, next_nhs_number):
    """A function returning the add-to-register page's POST data for a new person at the practice."""

    def make(**person) -> dict[str, str]:
        born = person.pop("date_of_birth", date(1940, 3, 14))
        data = {
            "person-nhs_number": next_nhs_number(), "person-given_name": "Ada", "person-family_name": "Pageperson",
            "person-sex": "female", "person-ethnicity": "Z", "person-postcode": "LE1 1AA",
            "person-practice": str(orgs["practice"].pk),
            "person-date_of_birth[day]": str(born.day), "person-date_of_birth[month]": str(born.month),
            "person-date_of_birth[year]": str(born.year),
            "entry-identification_route": "clinician", "entry-prognosis": "months", "entry-main_diagnosis": "cancer",
            "entry-consent_to_share": "given",
        }
        data.update({f"person-{key}": value for key, value in person.items()})
        return data

    return make
