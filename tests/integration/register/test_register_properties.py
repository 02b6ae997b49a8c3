"""Property tests: the register accepts exactly the valid NHS numbers and the dates that make sense."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from peolc import nhs_number
from peolc.register.actions import add_to_register, update_section
from peolc.register.models import Person, RespectDecision

pytestmark = pytest.mark.django_db

# Each example runs against the database, so examples are few and unhurried; fixtures are shared by design, and
# every example's writes are undone before the next.
DB_EXAMPLES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

prefixes = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(
    lambda p: nhs_number.check_digit(p) is not None
)
valid_numbers = prefixes.map(lambda p: f"{p}{nhs_number.check_digit(p)}")


class _Undo(Exception):
    pass


def undone(action):
    """Run ``action`` in a savepoint that is always rolled back; return its result or raise its error."""
    outcome = {}
    try:
        with transaction.atomic():
            outcome["result"] = action()
            raise _Undo
    except _Undo:
        return outcome["result"]


def _data(orgs, **person):
    return {
        "person": {"nhs_number": "9990000018", "given_name": "Ada", "family_name": "Property",
                   "date_of_birth": date(1940, 3, 14), "sex": "female", "practice": orgs["practice"], **person},
        "entry": {"main_diagnosis": "cancer", "consent_to_share": "given", "identification_route": "clinician"},
    }


@DB_EXAMPLES
@given(number=valid_numbers)
def test_every_valid_nhs_number_is_accepted(users, orgs, number):
    person = undone(lambda: add_to_register(users["gp"], **_data(orgs, nhs_number=number)))
    assert person.nhs_number == number


@DB_EXAMPLES
@given(number=valid_numbers, position=st.integers(0, 9), replacement=st.integers(0, 9))
def test_any_single_digit_corruption_is_refused(users, orgs, number, position, replacement):
    assume(int(number[position]) != replacement)
    corrupted = f"{number[:position]}{replacement}{number[position + 1:]}"
    with pytest.raises(ValidationError) as error:
        undone(lambda: add_to_register(users["gp"], **_data(orgs, nhs_number=corrupted)))
    assert "nhs_number" in error.value.message_dict
    assert not Person.objects.exists()


@DB_EXAMPLES
@given(text=st.text(max_size=14))
def test_anything_that_is_not_a_valid_number_is_refused(users, orgs, text):
    assume(not nhs_number.is_valid("".join(ch for ch in text if ch not in " -")))
    with pytest.raises(ValidationError):
        undone(lambda: add_to_register(users["gp"], **_data(orgs, nhs_number=text)))


@DB_EXAMPLES
@given(today=st.dates(date(2000, 1, 1), date(2100, 12, 31)), age_days=st.integers(-400, 130 * 366))
@example(today=date(2024, 2, 29), age_days=80 * 365)
def test_a_date_of_birth_is_accepted_only_if_past_and_within_125_years(users, orgs, today, age_days):
    born = today - timedelta(days=age_days)
    try:
        oldest = today.replace(year=today.year - 125)
    except ValueError:  # 29 February, in a year 125 years earlier that had none
        oldest = date(today.year - 125, 3, 1)
    data = _data(orgs, date_of_birth=born)
    data["entry"]["date_added"] = today
    if oldest <= born <= today:
        assert undone(lambda: add_to_register(users["gp"], **data, today=today)).date_of_birth == born
    else:
        with pytest.raises(ValidationError) as error:
            undone(lambda: add_to_register(users["gp"], **data, today=today))
        assert "date_of_birth" in error.value.message_dict


@DB_EXAMPLES
@given(decided_on=st.dates(date(1900, 1, 1), date(2100, 12, 31)))
def test_a_record_date_is_accepted_only_between_birth_and_today(users, orgs, decided_on):
    today, born = date(2025, 6, 2), date(1940, 3, 14)
    details = {"cpr_recommendation": "attempt", "decided_on": decided_on, "clinician_name": "Dr A Test",
               "clinician_role": "GP"}

    def record():
        person = add_to_register(users["gp"], **_data(orgs, date_of_birth=born), today=today)
        update_section(users["gp"], person, "respect", expected_version=0, details=details, today=today)
        return RespectDecision.objects.get(person=person)

    if born <= decided_on <= today:
        assert undone(record).decided_on == decided_on
    else:
        with pytest.raises(ValidationError) as error:
            undone(record)
        assert "decided_on" in error.value.message_dict
