"""A tiny integrated care system whose indicator values are worked out by hand, computed once per backend."""

from __future__ import annotations

from datetime import date

import ibis
import pyarrow as pa
import pytest

from peolc.analytics.contract import TABLES, table

BACKEND_PARAMS = [pytest.param("duckdb", id="duckdb"), pytest.param("spark", id="spark", marks=pytest.mark.spark)]

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


# Who is who (hand-worked expectations are in test_indicators.py):
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


def _nullable(schema: pa.Schema) -> pa.Schema:
    # The contract forbids a missing place of death, but the engine must survive an extract that breaks that rule.
    return pa.schema([f.with_nullable(True) for f in schema])


def tiny_ics() -> dict[str, ibis.Table]:
    """The tiny ICS as in-memory Ibis tables (every contract table, most empty)."""
    tables = {}
    for spec in TABLES:
        schema = _nullable(table(spec.name).schema)
        rows = ROWS.get(spec.name, [])
        if spec.name == "organisations":
            rows = [{**r, "postcode": None, "capacity": None} for r in rows]
        tables[spec.name] = ibis.memtable(pa.Table.from_pylist(rows, schema=schema))
    return tables


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def results(request):
    """The engine's results for the tiny ICS (2019-2021) on each backend, computed once per module."""
    from peolc.analytics.backends import connect
    from peolc.analytics.indicators import compute

    con = request.getfixturevalue("spark_connection") if request.param == "spark" else connect("duckdb")
    return compute(con, tiny_ics(), start=D("2019-01-01"), end=D("2021-12-31"))


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
