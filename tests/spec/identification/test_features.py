"""Identification features on a tiny linked dataset, one person per edge case, on every backend.

The features are computed once per backend (Spark plans are slow to start) and each test checks one person.
"""

from __future__ import annotations

from datetime import date

import pytest

from peolc import reference
from peolc.analytics.identification.features import build_features

INDEX = date(2024, 6, 30)

D = date.fromisoformat
CHARLSON_ALL = [
    next(r["icd10_prefix"] for r in reference.rows("charlson_icd10_quan.csv") if r["condition_key"] == key)
    for key in dict.fromkeys(r["condition_key"] for r in reference.rows("charlson_icd10_quan.csv"))
]

ROWS = {
    "patients": [
        {"patient_id": 1, "birth_month": D("1940-07-01"), "sex": "male"},
        {"patient_id": 2},
        {"patient_id": 3, "birth_month": D("1940-06-01")},
        {"patient_id": 4},
        {"patient_id": 5},
        {"patient_id": 6},
        {"patient_id": 7},
        {"patient_id": 8},
        {"patient_id": 9},
    ],
    "practice_registrations": [
        {"patient_id": 1},
        {"patient_id": 2},
        {
            "patient_id": 3,
            "practice_code": "P0",
            "start_date": D("2000-01-01"),
            "end_date": D("2009-12-31"),
            "end_reason": "changed_practice",
        },
        {
            "patient_id": 3,
            "practice_code": "P2",
            "start_date": D("2010-01-01"),
            "end_date": INDEX,
            "end_reason": "left_area",
        },
        {"patient_id": 4, "start_date": D("2024-07-01")},
        {"patient_id": 5, "start_date": D("2024-01-01")},
        {"patient_id": 6},
        {"patient_id": 7},
        {"patient_id": 8},
        {"patient_id": 9},
    ],
    "deaths": [{"patient_id": 2, "date_of_death": INDEX}, {"patient_id": 1, "date_of_death": D("2024-08-01")}],
    "hospital_spells": [
        # Person 1: an emergency admission on the index date (counted) with F00 twice (counted once).
        {
            "patient_id": 1,
            "admission_date": INDEX,
            "primary_diagnosis": "F00.1",
            "secondary_diagnoses": ["F001", "R296"],
        },
        {"patient_id": 1, "admission_date": D("2024-03-02"), "primary_diagnosis": "J189"},
        {
            "patient_id": 1,
            "admission_date": D("2024-05-01"),
            "admission_method": "elective",
            "primary_diagnosis": "K409",
        },
        # The day after the index date: the person dies later, but this admission is not yet known.
        {"patient_id": 1, "admission_date": D("2024-07-01"), "primary_diagnosis": "G81"},
        # Person 5: metastatic and primary cancer (hierarchy), admitted before registering with the practice.
        {
            "patient_id": 5,
            "admission_date": D("2023-06-01"),
            "primary_diagnosis": "C780",
            "secondary_diagnoses": ["C349"],
        },
        # Person 8: exactly 24 months before the index date: outside the HFRS look-back, inside the 36-month one.
        {"patient_id": 8, "admission_date": D("2022-06-30"), "primary_diagnosis": "F00"},
        # Person 9: one code for each Charlson condition.
        {
            "patient_id": 9,
            "admission_date": D("2024-01-10"),
            "admission_method": "elective",
            "primary_diagnosis": CHARLSON_ALL[0],
            "secondary_diagnoses": CHARLSON_ALL[1:],
        },
    ],
    "emergency_attendances": [
        {"patient_id": 1, "attendance_id": 1, "arrival_date": INDEX},
        {"patient_id": 1, "attendance_id": 2, "arrival_date": D("2023-06-30")},
    ],
    "gp_events": [
        {"patient_id": 1, "event_date": INDEX, "snomed_code": "52448006"},
        {"patient_id": 1, "event_date": D("2024-07-01"), "snomed_code": "42343007"},
        {"patient_id": 6, "event_date": D("2024-02-01"), "snomed_code": "925831000000107"},
        {"patient_id": 6, "event_date": D("2024-04-01"), "snomed_code": "925861000000102"},
        {"patient_id": 6, "event_date": D("2024-05-01"), "snomed_code": "526631000000108"},
        {"patient_id": 7, "event_date": D("2024-05-01"), "snomed_code": "526631000000108"},
        # Person 8: weight loss coded by the GP inside the last year; a "not for resuscitation" decision.
        {"patient_id": 8, "event_date": D("2024-02-01"), "snomed_code": "448765001"},
        {"patient_id": 8, "event_date": D("2024-03-01"), "snomed_code": "450476008"},
        # Person 9: weight loss coded more than a year before the index date.
        {"patient_id": 9, "event_date": D("2023-06-29"), "snomed_code": "448765001"},
    ],
    "care_home_residency": [
        {"patient_id": 6, "start_date": D("2023-01-01")},
        {"patient_id": 7, "start_date": D("2023-01-01"), "end_date": D("2024-01-01"), "end_reason": "moved_out"},
    ],
    "register_snapshot": [
        {"patient_id": 6, "date_added": D("2024-01-01")},
        {
            "patient_id": 7,
            "date_added": D("2024-01-01"),
            "date_removed": D("2024-05-01"),
            "removal_reason": "no_longer_palliative",
        },
    ],
}


@pytest.fixture(scope="module")
def people(con, contract_tables):
    """Features by patient id, computed once per backend."""
    result = con.to_pyarrow(build_features(contract_tables(ROWS), INDEX)).to_pylist()
    return {row["patient_id"]: row for row in result}


def test_cohort_is_alive_and_registered_on_the_index_date(people):
    # 2 died on the index date; 4 registers the day after; 3's registration ends on the index date, so counts.
    assert sorted(people) == [1, 3, 5, 6, 7, 8, 9]
    assert people[3]["practice_code"] == "P2"


def test_age_in_whole_years_from_birth_month(people):
    assert people[1]["age"] == 83
    assert people[3]["age"] == 84


def test_emergency_admissions_include_the_index_date_and_exclude_later_and_elective(people):
    p = people[1]
    assert p["emergency_admissions_12m"] == 2
    assert p["emergency_admissions_6m"] == 2
    assert p["unplanned_2_in_6m"] is True
    assert p["emergency_admission_dates_6m"] == "2024-03-02, 2024-06-30"
    assert p["ed_attendances_12m"] == 1


def test_hfrs_counts_each_category_once_and_ignores_events_after_the_index_date(people):
    # F00 (7.1) appears three times on one spell; J18 (1.1); R29 (3.6); G81 comes after the index date.
    assert people[1]["hfrs"] == pytest.approx(11.8)
    assert people[1]["hfrs_codes"] == "F00 7.1, J18 1.1, R29 3.6"


def test_hfrs_look_back_excludes_its_start_day_while_the_condition_look_back_includes_it(people):
    assert people[8]["hfrs"] == 0
    assert people[8]["dx_dementia"] is True


def test_charlson_hierarchy_and_history_from_before_registration(people):
    assert people[5]["charlson"] == 6
    assert people[5]["dx_metastatic_cancer"] is True
    assert people[5]["dx_cancer"] is True


def test_charlson_maximum_is_24(people):
    assert people[9]["charlson"] == 24


def test_gp_codes_after_the_index_date_are_ignored(people):
    assert people[1]["dx_dementia"] is True
    assert people[1]["dx_heart_failure"] is False


def test_efi_style_deficits_count_each_deficit_once_across_gp_and_hospital(people):
    # Dementia from the GP code and from F00 is one deficit; R29 adds falls.
    assert people[1]["efi_deficits"] == 2
    assert people[1]["efi_deficit_names"] == "falls, memory and cognitive problems"


def test_care_home_frailty_and_register_at_the_index_date(people):
    assert people[6]["care_home"] is True
    assert people[6]["care_home_evidence"] == "care home resident since 2023-01-01"
    assert people[6]["frailty_severity"] == 3
    assert people[6]["declining_function"] is True
    assert people[6]["on_register"] is True
    assert people[7]["care_home"] is False
    assert people[7]["on_register"] is False
    assert people[7]["palliative_code"] is True


def test_weight_loss_coded_by_the_gp_counts_within_the_last_year(people):
    assert people[8]["weight_loss"] is True
    assert "2024-02-01" in people[8]["weight_loss_evidence"]
    assert people[9]["weight_loss"] is False


def test_a_dnacpr_code_is_a_resuscitation_decision_not_an_advance_care_plan(people):
    assert people[8]["respect_or_resuscitation_coded"] is True
    assert people[8]["acp_coded"] is False
