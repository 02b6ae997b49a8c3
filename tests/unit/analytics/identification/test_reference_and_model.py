"""Published weights, code list files, the NumPy model and the end-to-end pipeline step."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from peolc import reference
from peolc.analytics.identification import codelists as cl
from peolc.analytics.identification.model import auroc, calibration, fit_logistic


def test_hfrs_matches_the_published_table():
    points = cl.hfrs_points()
    assert len(points) == 109
    assert points["F00"] == 7.1
    assert round(sum(points.values()), 1) == 173.2


def test_charlson_quan_2011_maximum_with_hierarchy_is_24():
    weights = cl.charlson_weights()
    total = sum(w for key, w in weights.items() if key not in cl.CHARLSON_HIERARCHY)
    assert total == 24


@pytest.mark.parametrize("name", cl.CODELISTS)
def test_codelists_name_source_and_version_for_every_code(name):
    rows = reference.rows(f"codelists/{name}.csv")
    assert rows and set(rows[0]) == {"code", "term", "system", "group", "source", "version"}
    assert all(r["source"] and r["version"] and r["system"] in (cl.SNOMED, cl.ICD10, "dm+d") for r in rows)


def test_auroc_matches_pairwise_definition_with_ties():
    rng = np.random.default_rng(1)
    score, y = rng.integers(0, 5, 300).astype(float), rng.random(300) < 0.3
    pairs = (score[y][:, None] > score[~y][None, :]) + 0.5 * (score[y][:, None] == score[~y][None, :])
    assert auroc(score, y) == pytest.approx(pairs.mean())


def test_logistic_fit_recovers_coefficients_and_is_calibrated():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40_000, 2))
    y = (rng.random(40_000) < 1 / (1 + np.exp(-(-3 + x @ np.array([1.0, -0.5]))))).astype(float)
    beta = fit_logistic(x, y, l2=0.0)
    assert beta == pytest.approx([-3, 1.0, -0.5], abs=0.1)
    p = 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))
    cal = calibration(p, y)
    assert cal["calibration_in_the_large"] == pytest.approx(0, abs=1e-6)
    assert cal["calibration_slope"] == pytest.approx(1, abs=1e-6)
    assert len(cal["table"]) == 10


def test_pipeline_step_writes_every_output(tiny_ics, tmp_path):
    from peolc.analytics.pipeline import run_pipeline

    summary = run_pipeline(tiny_ics, tmp_path, steps=["identification"])
    step = summary["steps"]["identification"]
    for name in (
        "identification_scores",
        "identification_candidates",
        "register_prevalence",
        "population_segments",
        "identification_model",
        "identification_performance",
        "identification_calibration",
    ):
        assert (tmp_path / f"{name}.parquet").exists()
    scores = pq.read_table(tmp_path / "identification_scores.parquet")
    assert {"probability", "risk_band", "candidate", "rank_in_practice", "reasons", "segment"} <= set(
        scores.column_names
    )
    assert step["people_scored"] == scores.num_rows
    # Reasons are built only for the people anyone reads them for.
    for row in scores.select(["candidate", "on_register", "reasons"]).to_pylist():
        assert (row["reasons"] is not None) == (row["candidate"] or row["on_register"])
    performance = json.loads((tmp_path / "identification_performance.json").read_text())
    assert performance["train_index_date"] < performance["test_index_date"] < summary["as_at"]
    candidates = pq.read_table(tmp_path / "identification_candidates.parquet").to_pylist()
    assert all(c["reasons"] and c["probability"] >= 0.1 for c in candidates)
