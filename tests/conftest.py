"""Fixtures shared by every test layer."""

from __future__ import annotations

import contextlib
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peolc.core.auth import DEMO_PASSWORD


@contextlib.contextmanager
def audit_protection_suspended(connection):
    """Switch the audit log's append-only triggers off for a moment, as only a database superuser could.

    PostgreSQL: ``session_replication_role = replica`` (superuser only) stops triggers firing. SQLite: the triggers
    are dropped and re-created.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            try:
                yield
            finally:
                cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                           "AND tbl_name IN ('core_auditevent', 'core_auditchainhead')")
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            try:
                yield
            finally:
                for _, sql in triggers:
                    cursor.execute(sql)


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_audit_triggers():
    """Let Django's test flush (after transactional and browser tests) empty the append-only audit log.

    Production refuses to flush (`peolc manage flush`); the test database must start each test empty.
    """
    from django.db import connection

    operations = type(connection.ops)
    execute_sql_flush = operations.execute_sql_flush

    def flush(self, sql_list):
        with audit_protection_suspended(self.connection):
            execute_sql_flush(self, sql_list)

    operations.execute_sql_flush = flush
    yield
    operations.execute_sql_flush = execute_sql_flush


@pytest.fixture
def suspend_audit_protection():
    """A context manager that bypasses the audit log's triggers, for tests that tamper with the log."""
    return audit_protection_suspended


@pytest.fixture
def make_organisation(db):
    """Create an organisation (and, on request, its parents) without going through an action."""
    from peolc.core.models import Organisation

    def make(code: str, type: str, parent=None, name: str | None = None):
        return Organisation.objects.create(code=code, type=type, parent=parent, name=name or f"Org {code}")

    return make


@pytest.fixture
def ics(make_organisation):
    """A tiny ICS: ICB → locality → PCN → two practices, plus a hospice and a 111 service."""
    icb = make_organisation("QXX", "icb")
    locality = make_organisation("QXX01", "locality", icb)
    pcn = make_organisation("U99001", "pcn", locality)
    return {
        "icb": icb,
        "locality": locality,
        "pcn": pcn,
        "practice": make_organisation("Y99001", "gp_practice", pcn),
        "other_practice": make_organisation("Y99002", "gp_practice", pcn),
        "hospice": make_organisation("NXX01", "hospice", locality),
        "urgent_care": make_organisation("NXX02", "urgent_care", icb),
    }


@pytest.fixture
def make_user(db, ics):
    """Create a user with a role in one of the tiny ICS's organisations (the ICB by default)."""
    from peolc.core.models import User

    def make(username: str, role: str, organisation=None, password: str = "a-long-test-password-42"):
        user = User(username=username, role=role, organisation=organisation or ics["icb"],
                    first_name=username.title(), last_name="Tester", email=f"{username}@example.nhs.uk")
        user.set_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", "system_administrator")


@pytest.fixture
def gp_user(make_user, ics):
    return make_user("gp", "gp", ics["practice"])


@pytest.fixture
def demo_password():
    return DEMO_PASSWORD


# --- identification outputs in the pipeline's shape, for the finding pages -----------------------------------

NHS_NUMBERS = {101: "9990000018", 102: "9990000026", 103: "9990000034"}


def _write_parquet(directory, name, rows):
    pq.write_table(pa.Table.from_pylist(rows), directory / f"{name}.parquet")


def _candidate(patient_id, practice, rank, probability=0.8):
    return {"patient_id": patient_id, "practice_code": practice, "pcn_code": "U99001", "locality_code": "QXX01",
            "age": 88, "sex": "female", "probability": probability, "risk_band": "very_high",
            "segment": "last_year_of_life", "palliative_code": False, "acp_coded": False,
            "respect_or_resuscitation_coded": False,
            "reasons": ["Care home resident since 2026-07-10", "2 emergency admissions in 6 months"],
            "candidate_rank_in_practice": rank, "candidate_rank_in_pcn": rank}


@pytest.fixture
def identification_outputs(tmp_path):
    """A pipeline output directory and the contract data directory it came from."""
    out, data = tmp_path / "outputs", tmp_path / "data"
    out.mkdir()
    data.mkdir()
    _write_parquet(data, "identifiers", [{"patient_id": k, "nhs_number": v} for k, v in NHS_NUMBERS.items()])
    _write_parquet(out, "identification_candidates", [
        _candidate(101, "Y99001", 1, 0.9), _candidate(102, "Y99001", 2), _candidate(103, "Y99002", 1),
    ])
    _write_parquet(out, "register_prevalence", [
        {"level": level, "org_code": code, "list_size": size, "on_register": reg, "candidates": cand,
         "expected_deaths_12m": expected, "observed_deaths_prior_year": deaths,
         "register_prevalence_pct": 100 * reg / size, "expected_deaths_pct": 100 * expected / size,
         "register_to_expected_ratio": reg / expected, "register_to_prior_deaths_ratio": reg / deaths}
        for level, code, size, reg, cand, expected, deaths in [
            ("practice", "Y99001", 5000, 30, 2, 45.5, 48), ("practice", "Y99002", 4000, 5, 1, 30.0, 3),
            ("pcn", "U99001", 9000, 35, 3, 75.5, 51)]
    ])
    _write_parquet(out, "population_segments", [
        {"level": "practice", "org_code": "Y99001", "segment": segment, "risk_band": "low", "age_band": "65-74",
         "people": people, "on_register": 0, "expected_deaths_12m": 1.0}
        for segment, people in [("generally_well", 4000), ("long_term_conditions", 900), ("complex_needs", 95),
                                ("last_year_of_life", 5)]
    ])
    _write_parquet(out, "identification_model", [
        {"term": "intercept", "feature": None, "description": "Log-odds when every term is zero", "coefficient": -9.0,
         "odds_ratio": None, "mean": None, "sd": None, "standardised_coefficient": None},
        {"term": "care_home", "feature": "care_home", "description": "Care home resident", "coefficient": 1.9,
         "odds_ratio": 6.7, "mean": 0.02, "sd": 0.1, "standardised_coefficient": 0.2},
    ])
    _write_parquet(out, "identification_performance", [
        {"model": "model", "description": "peolc logistic model", "auroc": 0.81, "calibration_in_the_large": 0.01,
         "calibration_slope": 0.98, "observed_to_expected": 1.02, "train_index_date": "2024-09-30",
         "test_index_date": "2025-09-30", "n_test": 9000, "events_test": 90},
        {"model": "age", "description": "Age alone", "auroc": 0.72, "calibration_in_the_large": 0.0,
         "calibration_slope": 1.0, "observed_to_expected": 1.0, "train_index_date": "2024-09-30",
         "test_index_date": "2025-09-30", "n_test": 9000, "events_test": 90},
    ])
    _write_parquet(out, "identification_calibration", [
        {"model": "model", "bin": b, "n": 900, "predicted": b / 100, "observed": b / 100, "events": b}
        for b in range(1, 11)
    ])
    (out / "identification_performance.json").write_text(json.dumps({
        "train_index_date": "2024-09-30", "test_index_date": "2025-09-30", "n_test": 9000, "events_test": 90,
        "index_date": "2026-09-30", "published_benchmarks": {"SPICT": {"auroc": 0.76}},
    }))
    return out, data


@pytest.fixture
def loaded(db, ics, identification_outputs):
    """The hand-written identification outputs, loaded for the tiny ICS."""
    from peolc.finding.outputs import load_outputs

    return load_outputs(*identification_outputs)
