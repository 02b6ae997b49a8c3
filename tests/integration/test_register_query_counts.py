"""Record pages cost the same number of queries however much a record holds (no N+1)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peolc import nhs_number
from peolc.register import models as m
from peolc.register.actions import add_to_register, update_section


def _number(seed: int) -> str:
    prefix = 999100000 + seed
    while nhs_number.check_digit(str(prefix)) is None:
        prefix += 1
    return f"{prefix}{nhs_number.check_digit(str(prefix))}"


def _person(actor, practice, seed: int, size: int) -> m.Person:
    person = add_to_register(
        actor,
        person={"nhs_number": _number(seed * 1000), "given_name": "Test", "family_name": f"Person{seed}",
                "date_of_birth": date(1940, 1, 1), "sex": "female", "practice": practice},
        entry={"identification_route": "clinician", "prognosis": "weeks", "main_diagnosis": "cancer",
               "consent_to_share": "given"},
    )
    if size:
        team = [{"role": "district_nurse", "name": f"Nurse {i}", "organisation": practice} for i in range(size)]
        update_section(actor, person, "care_team", expected_version=0, items=team)
        carers = [{"name": f"Carer {i}", "relationship": "son"} for i in range(size)]
        update_section(actor, person, "carers", expected_version=0, items=carers)
        medicines = [{"drug": f"Drug {i}", "route": "subcutaneous", "prescribed_on": date(2026, 1, 1)}
                     for i in range(size)]
        update_section(actor, person, "medicines", expected_version=0, details={"medicines_location": "Kitchen"},
                       items=medicines)
        update_section(actor, person, "respect", expected_version=0,
                       details={"cpr_recommendation": "not_attempt", "decided_on": date(2026, 1, 1),
                                "clinician_name": "Dr A", "clinician_role": "GP"})
    return person


@pytest.mark.parametrize("page", ["register:record", "register:emergency-summary"])
def test_query_count_does_not_grow_with_the_record(client, gp_user, ics, page):
    small = _person(gp_user, ics["practice"], 1, 1)
    large = _person(gp_user, ics["practice"], 2, 12)
    client.force_login(gp_user)
    counts = []
    for person in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(page, args=[person.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20, counts
