"""Numerator and denominator rules of the indicators, on a tiny ICS worked out by hand, on every backend."""

from __future__ import annotations

import math

import pytest


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
