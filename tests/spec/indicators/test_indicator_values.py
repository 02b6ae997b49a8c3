"""Numerator and denominator rules of the indicators, on a tiny ICS worked out by hand, on every backend.

The engine runs once per backend over the tiny ICS (2019-2021) and each test checks the rows for one rule.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from peolc.analytics.indicators import compute

D = date.fromisoformat

ORGANISATIONS = [
    {"code": "QXX", "type": "icb", "name": "Test ICB", "parent_code": None, "locality_code": None},
    {"code": "L1", "type": "locality", "name": "Locality one", "parent_code": "QXX", "locality_code": "L1"},
    {"code": "U1", "type": "pcn", "name": "PCN one", "parent_code": "L1", "locality_code": "L1"},
    {"code": "P1", "type": "gp_practice", "name": "Practice one", "parent_code": "U1", "locality_code": "L1"},
    {"code": "P2", "type": "gp_practice", "name": "Practice two", "parent_code": "U1", "locality_code": "L1"},
]


def _patient(pid, birth, sex="female", ethnicity="A", imd=3):
    return {
        "patient_id": pid,
        "birth_month": D(birth),
        "sex": sex,
        "ethnicity": ethnicity,
        "lsoa_code": None,
        "lsoa_year": None,
        "imd_decile": imd,
    }


def _registration(rid, pid, practice, start, end=None, reason=None):
    return {
        "registration_id": rid,
        "patient_id": pid,
        "practice_code": practice,
        "pcn_code": "U1",
        "locality_code": "L1",
        "start_date": D(start),
        "end_date": D(end) if end else None,
        "end_reason": reason,
    }


def _death(pid, when, place, cause):
    return {
        "patient_id": pid,
        "date_of_death": D(when),
        "place_of_death": place,
        "place_of_death_code": None,
        "underlying_cause": cause,
        "contributing_causes": [],
    }


def _spell(sid, pid, admitted, discharged, method="emergency"):
    return {
        "spell_id": sid,
        "patient_id": pid,
        "provider_code": "RA1",
        "admission_date": D(admitted),
        "discharge_date": D(discharged) if discharged else None,
        "admission_method": method,
        "discharge_method": None,
        "primary_diagnosis": "R69X",
        "secondary_diagnoses": [],
    }


def _register(pid, practice, added, **fields):
    row = {
        "patient_id": pid,
        "practice_code": practice,
        "date_added": D(added),
        "date_removed": None,
        "removal_reason": None,
        "prognosis": "months",
        "diagnosis_group": "cancer",
        "acp": False,
        "acp_date": None,
        "preferred_place_of_death": None,
        "preferred_place_date": None,
        "coordinator": False,
        "coordinator_date": None,
        "carer": False,
        "carer_assessment_date": None,
        "anticipatory_medicines_date": None,
        "cpr_decision": False,
        "cpr_decision_date": None,
    }
    row.update({k: D(v) if (k.endswith("_date") or k == "date_removed") and v else v for k, v in fields.items()})
    return row


# Who is who (the expectations below are worked out by hand from these rows):
# 1 dies 2020-12-31 at home (cancer), practice P1, on the register since 2020-06-01 with home preferred.
# 2 dies 2021-01-01 in hospital (heart disease), P1, added to the register on the day of death.
# 3 moved P1 → P2 on 2020-06-01, dies 2020-08-01 in a care home (dementia), preferred hospital.
# 4 moves P1 → P2 on the day of death 2020-09-10, dies in a hospice (motor neurone disease), aged 60.
# 5 left the area in 2019 and dies in 2020: not the ICS's death.
# 6 dies 2020-06-15 "other" (accident) after three emergency admissions in the last 90 days.
# 7 is alive throughout; 8 dies 2020-03-01 with no recorded place of death.
ROWS = {
    "organisations": ORGANISATIONS,
    "patients": [
        _patient(1, "1940-06-01"),
        _patient(2, "1935-01-01", sex="male", imd=1),
        _patient(3, "1930-03-01", imd=5),
        _patient(4, "1960-01-01", ethnicity="N"),
        _patient(5, "1950-01-01"),
        _patient(6, "1945-05-01", sex="male"),
        _patient(7, "1970-01-01"),
        _patient(8, "1938-01-01"),
    ],
    "practice_registrations": [
        _registration(1, 1, "P1", "2000-01-01", "2020-12-31", "died"),
        _registration(2, 2, "P1", "2000-01-01", "2021-01-01", "died"),
        _registration(3, 3, "P1", "2000-01-01", "2020-05-31", "changed_practice"),
        _registration(4, 3, "P2", "2020-06-01", "2020-08-01", "died"),
        _registration(5, 4, "P1", "2000-01-01", "2020-09-10", "changed_practice"),
        _registration(6, 4, "P2", "2020-09-10", "2020-09-10", "died"),
        _registration(7, 5, "P1", "2000-01-01", "2019-03-01", "left_area"),
        _registration(8, 6, "P1", "2000-01-01", "2020-06-15", "died"),
        _registration(9, 7, "P1", "2000-01-01"),
        _registration(10, 8, "P2", "2000-01-01", "2020-03-01", "died"),
    ],
    "deaths": [
        _death(1, "2020-12-31", "home", "C349"),
        _death(2, "2021-01-01", "hospital", "I219"),
        _death(3, "2020-08-01", "care_home", "F03X"),
        _death(4, "2020-09-10", "hospice", "G122"),
        _death(5, "2020-04-01", "home", "C189"),
        _death(6, "2020-06-15", "other", "X59"),
        _death(8, "2020-03-01", None, "R99"),
    ],
    "hospital_spells": [
        # Person 6 (death 2020-06-15): admissions on the day of death, on day -89 and on 2020-05-01 count; the one
        # on day -90 does not, but its last day inside the window is a bed day.
        _spell(1, 6, "2020-06-15", None),
        _spell(2, 6, "2020-03-18", "2020-03-22"),
        _spell(3, 6, "2020-05-01", "2020-05-05"),
        _spell(4, 6, "2020-03-17", "2020-03-19"),
        _spell(5, 6, "2020-04-01", "2020-04-02", method="elective"),
        # Person 1: one emergency admission on day -90, outside the window.
        _spell(6, 1, "2020-10-02", "2020-10-02"),
    ],
    "emergency_attendances": [
        {
            "attendance_id": 1,
            "patient_id": 2,
            "provider_code": "RA1",
            "arrival_date": D("2020-12-03"),
            "arrival_mode": "ambulance",
            "disposal": "admitted",
            "spell_id": None,
        },
        {
            "attendance_id": 2,
            "patient_id": 1,
            "provider_code": "RA1",
            "arrival_date": D("2020-12-01"),
            "arrival_mode": "ambulance",
            "disposal": "discharged",
            "spell_id": None,
        },
    ],
    "hospice_contacts": [
        {
            "contact_id": 1,
            "patient_id": 4,
            "hospice_code": "H1",
            "contact_date": D("2020-01-01"),
            "setting": "outpatient",
        },
    ],
    "register_snapshot": [
        _register(
            1,
            "P1",
            "2020-06-01",
            acp=True,
            acp_date="2020-07-01",
            preferred_place_of_death="home",
            preferred_place_date="2020-07-01",
            date_removed="2020-12-31",
            removal_reason="died",
        ),
        _register(
            2, "P1", "2021-01-01", acp=True, acp_date="2021-01-01", date_removed="2021-01-01", removal_reason="died"
        ),
        _register(
            3,
            "P2",
            "2020-07-02",
            preferred_place_of_death="hospital",
            preferred_place_date="2020-07-02",
            date_removed="2020-08-01",
            removal_reason="died",
        ),
    ],
}


@pytest.fixture(scope="module")
def results(con, contract_tables):
    """The engine's results for the tiny ICS (2019-2021), computed once per backend."""
    return compute(con, contract_tables(ROWS), start=D("2019-01-01"), end=D("2021-12-31"))


@pytest.fixture(scope="module")
def value(results):
    """Look up one row of indicator_values as a dict (ICB, all persons, calendar year by default)."""
    rows = results.values.to_pylist()

    def find(
        indicator, period="2020", period_type="calendar_year", area_code="QXX", breakdown="all", breakdown_value="All"
    ):
        found = [
            r
            for r in rows
            if r["indicator_id"] == indicator
            and r["period"] == period
            and r["period_type"] == period_type
            and r["area_code"] == area_code
            and r["breakdown"] == breakdown
            and r["breakdown_value"] == breakdown_value
        ]
        assert len(found) <= 1
        return found[0] if found else None

    return find


def test_deaths_on_either_side_of_a_year_boundary_fall_in_their_own_years(value):
    # 2020: people 1 (31 December), 3, 4, 6 and 8; person 2 died on 1 January 2021.
    assert value("deaths_at_home")["denominator"] == 5
    assert value("deaths_at_home", period="2021")["denominator"] == 1
    assert value("deaths_at_home", period="2020 Q4", period_type="quarter")["denominator"] == 1
    assert value("deaths_in_hospital", period="2021 Q1", period_type="quarter")["numerator"] == 1
    # The financial year 2020/21 holds both sides of the boundary, but not person 8 (March 2020).
    assert value("deaths_at_home", period="2020/21", period_type="financial_year")["denominator"] == 5


def test_a_death_after_leaving_the_area_is_not_the_icss(value):
    # Person 5 died at home in 2020 but had left the area in 2019: only person 1 died at home.
    assert value("deaths_at_home")["numerator"] == 1


def test_a_person_who_moved_practice_counts_for_the_practice_at_death(value):
    # Practice P1 at death: 1, 6; P2: 3 (moved in June), 4 (moved on the day of death), 8.
    assert value("deaths_in_care_home", area_code="P2")["numerator"] == 1
    assert value("deaths_in_hospice", area_code="P2")["numerator"] == 1
    assert value("deaths_at_home", area_code="P1")["denominator"] == 2
    assert value("deaths_at_home", area_code="P2")["denominator"] == 3


def test_a_missing_place_of_death_stays_in_the_denominator_of_every_place(value):
    places = ["deaths_in_hospital", "deaths_at_home", "deaths_in_care_home", "deaths_in_hospice", "deaths_elsewhere"]
    assert sum(value(p)["numerator"] for p in places) == 4
    assert {value(p)["denominator"] for p in places} == {5}
    assert value("deaths_in_usual_place_of_residence")["numerator"] == 2


def test_emergency_admissions_count_the_90_days_ending_on_the_day_of_death(value):
    # Person 6: admissions on the day of death, day -89 and in May count; day -90 and the elective one do not.
    assert value("emergency_admissions_3plus_last_90_days")["numerator"] == 1
    # Person 1's only emergency admission was on day -90.
    assert value("emergency_admission_last_90_days")["numerator"] == 1


def test_bed_days_count_only_days_inside_the_window(value):
    # Person 6: 0 (died on the admission day) + 4 + 4 + 1 (the day -90 stay from day -89) = 9 bed days over 5 deaths.
    row = value("emergency_bed_days_last_90_days")
    assert row["numerator"] == 9
    assert row["value"] == pytest.approx(9 / 5)
    assert row["lower_95"] < row["value"] < row["upper_95"]


def test_ae_attendances_count_the_30_days_ending_on_the_day_of_death(value):
    assert value("ae_attendance_last_30_days", period="2021")["numerator"] == 1  # day -29
    assert value("ae_attendance_last_30_days")["numerator"] == 0  # person 1 on day -30


def test_on_register_before_death_needs_a_day_before_death_and_palliative_need(value):
    # Palliative need in 2020: 1 (cancer), 3 (dementia), 4 (motor neurone disease); 6 and 8 are other causes.
    row = value("on_register_before_death")
    assert (row["numerator"], row["denominator"]) == (2, 3)
    # Person 2 was added on the day of death.
    assert value("on_register_before_death", period="2021")["numerator"] == 0


def test_register_process_measures(value):
    assert value("median_days_on_register")["value"] == pytest.approx((213 + 30) / 2)
    assert value("median_days_on_register")["denominator"] == 2
    assert value("acp_before_death")["numerator"] == 1
    # Person 2's plan was dated on the day of death, and they were not on the register before it.
    assert value("acp_before_death", period="2021") is None
    row = value("died_in_preferred_place")
    assert (row["numerator"], row["denominator"]) == (1, 2)
    assert value("hospice_contact_last_year")["numerator"] == 1


def test_cause_and_breakdowns(value):
    assert value("deaths_at_home", breakdown="cause_group", breakdown_value="Cancer")["numerator"] == 1
    assert (
        value("deaths_in_hospice", breakdown="ethnic_group", breakdown_value="Black or Black British")["numerator"] == 1
    )
    assert value("deaths_in_hospice", breakdown="age_band", breakdown_value="<65")["numerator"] == 1
    assert value("deaths_in_care_home", breakdown="imd_quintile", breakdown_value="3")["numerator"] == 1


def test_under_75_rate_is_age_standardised(value):
    row = value("under_75_mortality_palliative_causes")
    assert row["numerator"] == 1  # person 4, aged 60; the rest were over 75 or died of other causes
    assert row["value"] > 0 and math.isfinite(row["upper_95"])


def test_small_numbers_are_suppressed_in_the_aggregate_table(results):
    full = results.values.to_pylist()
    redacted = results.values_suppressed.to_pylist()
    assert len(full) == len(redacted)
    for row, safe in zip(full, redacted, strict=True):
        if row["suppressed"]:
            assert safe["numerator"] is None and safe["value"] is None
        else:
            assert safe["value"] == row["value"] or (safe["value"] is None and row["value"] is None)
    ones = [r for r in full if r["numerator"] is not None and 1 <= r["numerator"] <= 7]
    assert ones and all(r["suppressed"] for r in ones)


def test_outputs_describe_themselves(results):
    assert results.definitions.num_rows >= 20
    assert {"benchmark_value", "comparison", "trend", "suppressed", "area_name"} <= set(results.values.column_names)
    assert set(results.periods.column("period_type").to_pylist()) == {
        "calendar_year",
        "financial_year",
        "quarter",
        "rolling_12_months",
    }
