"""Spec tests: analytics behaviour written once as small tables, run on every backend.

Each test file holds its own tiny input tables and the results it expects, so a reader sees the rule, the rows and the
answer together; this file holds only the plumbing every spec test shares:

- ``con``: an Ibis connection on each backend in ``BACKEND_PARAMS`` in turn. It is module-scoped, so a file can
  compute its tiny dataset once per backend in a module-scoped fixture of its own and check it test by test.
- ``contract_tables``: contract tables from rows that give only the columns their test is about.
- ``make_table``: an in-memory Ibis table from any rows.

A known backend gap is marked on the test itself, never left to fail or hidden: ``@pytest.mark.backend_gap("spark",
"why")`` makes that test a strict expected failure on that backend, so the run fails (and the mark has to go) once
the backend catches up. Spark tests share one local session and are marked ``spark``, so a quick run can leave them
out (``-m "not spark"``).
"""

from __future__ import annotations

from datetime import date

import ibis
import pyarrow as pa
import pytest

from peolc.analytics.contract import TABLES, table

BACKEND_PARAMS = [pytest.param("duckdb", id="duckdb"), pytest.param("spark", id="spark", marks=pytest.mark.spark)]

# Defaults for columns a test does not care about, so each row states only what it is testing.
DEFAULTS: dict[str, dict[str, object]] = {
    "organisations": {"parent_code": None, "locality_code": None, "postcode": None, "capacity": None},
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
# Row ids numbered in order when a row leaves them out.
ID_COLUMNS = {
    "practice_registrations": "registration_id",
    "hospital_spells": "spell_id",
    "emergency_attendances": "attendance_id",
    "care_home_residency": "residency_id",
    "community_contacts": "contact_id",
}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "backend_gap(backend, reason): a known gap on that backend; the test is a strict expected failure"
    )


def pytest_collection_modifyitems(items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("con") if callspec else None
        for gap in item.iter_markers("backend_gap"):
            if gap.args[0] == backend:
                item.add_marker(pytest.mark.xfail(strict=True, reason=f"{backend} gap: {gap.args[1]}"))


@pytest.fixture(scope="session")
def spark_connection():
    pytest.importorskip("pyspark", reason="install the spark extra: pip install -e '.[spark]'")
    from peolc.analytics.backends import connect

    return connect("spark")


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def con(request):
    """An Ibis connection on each backend in turn (one per test module; Spark's is shared by the session)."""
    if request.param == "spark":
        return request.getfixturevalue("spark_connection")
    from peolc.analytics.backends import connect

    return connect("duckdb")


def _memtable(rows, schema: pa.Schema | None = None) -> ibis.Table:
    return ibis.memtable(rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema=schema))


@pytest.fixture(scope="session")
def make_table():
    """An in-memory Ibis table from rows (a list of dicts, or a pyarrow Table); it runs on whichever backend
    executes the expression."""
    return _memtable


@pytest.fixture(scope="session")
def contract_tables():
    """Every contract table from partial rows: ``contract_tables({"patients": [{"patient_id": 1}], ...})``.

    Columns a row leaves out take ``DEFAULTS`` and ids are numbered; tables with no rows are empty. The schemas are
    the contract's with every column nullable, so a test can give a row the contract forbids (a pipeline must
    survive an extract that breaks a rule).
    """

    def build(rows: dict[str, list[dict]]) -> dict[str, ibis.Table]:
        tables = {}
        for spec in TABLES:
            schema = pa.schema([f.with_nullable(True) for f in table(spec.name).schema])
            defaults = DEFAULTS.get(spec.name, {})
            filled = []
            for number, row in enumerate(rows.get(spec.name, []), start=1):
                full = {**defaults, **row}
                if spec.name in ID_COLUMNS:
                    full.setdefault(ID_COLUMNS[spec.name], number)
                filled.append(full)
            tables[spec.name] = _memtable(filled, schema)
        return tables

    return build
