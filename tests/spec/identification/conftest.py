"""Tiny linked datasets for identification spec tests: one person per edge case, contract schemas throughout."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from peolc.analytics.contract import table

# Defaults for columns a test does not care about, so each row states only what it is testing.
DEFAULTS = {
    "practice_registrations": {
        "practice_code": "P1",
        "pcn_code": "N1",
        "locality_code": "L1",
        "start_date": date(2010, 1, 1),
        "end_date": None,
        "end_reason": None,
    },
    "patients": {
        "birth_month": date(1950, 1, 1),
        "sex": "female",
        "ethnicity": "A",
        "lsoa_code": None,
        "lsoa_year": None,
        "imd_decile": None,
    },
    "deaths": {
        "place_of_death": "home",
        "place_of_death_code": None,
        "underlying_cause": "R99",
        "contributing_causes": [],
    },
    "hospital_spells": {
        "provider_code": "T1",
        "discharge_date": None,
        "admission_method": "emergency",
        "discharge_method": None,
        "primary_diagnosis": "R69",
        "secondary_diagnoses": [],
    },
    "emergency_attendances": {
        "provider_code": "T1",
        "arrival_mode": "walk_in",
        "disposal": "discharged",
        "spell_id": None,
    },
    "gp_events": {"value": None, "practice_code": "P1"},
    "care_home_residency": {"care_home_code": "CH1", "end_date": None, "end_reason": None},
    "community_contacts": {"provider_code": "C1", "service": "district_nursing", "contact_mode": "face_to_face"},
    "register_snapshot": {
        "practice_code": "P1",
        "date_removed": None,
        "removal_reason": None,
        "prognosis": "months",
        "diagnosis_group": "other",
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
    },
}
ID_COLUMNS = {
    "practice_registrations": "registration_id",
    "hospital_spells": "spell_id",
    "emergency_attendances": "attendance_id",
    "care_home_residency": "residency_id",
    "community_contacts": "contact_id",
}


def contract_tables(make_table, rows: dict[str, list[dict]]) -> dict:
    """Ibis tables for every table identification reads, from partial rows with contract defaults."""
    out = {}
    for name, defaults in DEFAULTS.items():
        spec = table(name)
        filled = []
        for number, row in enumerate(rows.get(name, []), start=1):
            full = {**defaults, **row}
            if name in ID_COLUMNS:
                full.setdefault(ID_COLUMNS[name], number)
            filled.append(full)
        out[name] = make_table(pa.Table.from_pylist(filled, schema=spec.schema))
    return out


@pytest.fixture
def ics(make_table):
    """Build contract tables from partial rows: ``ics({"patients": [...], ...})``."""
    return lambda rows: contract_tables(make_table, rows)
