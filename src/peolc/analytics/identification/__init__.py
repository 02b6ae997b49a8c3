"""Identification: people probably in their last year of life or with complex needs, with reasons, and population
segmentation. A pipeline step (``run(context)``); see ``docs/identification.md``.

The step fits the model in the pipeline on the temporal training window (cohort a year before the reference date,
deaths in the following year), so an ICS's own data always calibrate it and nothing is fitted on the year it
predicts. Set ``PEOLC_IDENTIFICATION_MODEL`` to a MODEL.json (from ``peolc identify fit``) to score with that model
instead; the hold-out figures are reported either way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from peolc.analytics.identification import outputs
from peolc.analytics.identification.evaluate import fit_and_evaluate
from peolc.analytics.identification.features import as_date, build_features, cohort, months_before
from peolc.analytics.identification.model import DEFAULT_L2, Model

MODEL_ENV = "PEOLC_IDENTIFICATION_MODEL"
REQUIRED_TABLES = (
    "patients",
    "practice_registrations",
    "deaths",
    "hospital_spells",
    "emergency_attendances",
    "gp_events",
)


def _model_table(model: Model) -> pa.Table:
    data = model.to_dict()
    rows = [
        {
            "term": "intercept",
            "feature": None,
            "description": "Log-odds when every term is zero",
            "coefficient": data["intercept"],
            "odds_ratio": None,
            "mean": None,
            "sd": None,
            "standardised_coefficient": None,
        }
    ]
    rows += [
        {
            k: t[k]
            for k in ("feature", "description", "coefficient", "odds_ratio", "mean", "sd", "standardised_coefficient")
        }
        | {"term": t["name"]}
        for t in data["terms"]
    ]
    return pa.Table.from_pylist(rows)


def _performance_tables(performance: dict[str, Any]) -> tuple[pa.Table, pa.Table]:
    keys = ("auroc", "calibration_in_the_large", "calibration_slope", "observed_to_expected")
    summary = [
        {
            "model": m["model"],
            "description": m["description"],
            **{k: m[k] for k in keys},
            "train_index_date": performance["train_index_date"],
            "test_index_date": performance["test_index_date"],
            "n_test": performance["n_test"],
            "events_test": performance["events_test"],
        }
        for m in performance["models"]
    ]
    bins = [{"model": m["model"], **row} for m in performance["models"] for row in m["table"]]
    return pa.Table.from_pylist(summary), pa.Table.from_pylist(bins)


def prior_year_deaths(tables: dict[str, ibis.Table], index) -> ibis.Table:
    """Everyone registered a year before ``index`` with ``died`` = 1 for a death in the year up to ``index``."""
    start = months_before(index, 12)
    people = cohort(tables, start)
    deaths = tables["deaths"]
    died = deaths.filter((deaths.date_of_death > as_date(start)) & (deaths.date_of_death <= as_date(index)))
    j = people.left_join(died.select("patient_id", "date_of_death"), "patient_id")
    return j.select("practice_code", "pcn_code", "locality_code", died=ibis.ifelse(j.date_of_death.notnull(), 1, 0))


def run(context: Any) -> dict[str, Any]:
    """Fit (or load) the model, score everyone at the reference date and write the identification outputs."""
    missing = [name for name in REQUIRED_TABLES if name not in context.tables]
    if missing:
        raise FileNotFoundError(f"identification needs the contract tables {', '.join(missing)}")
    supplied = os.environ.get(MODEL_ENV)
    given = Model.load(Path(supplied)) if supplied else None
    evaluation = fit_and_evaluate(context.con, context.tables, context.as_at, DEFAULT_L2, model=given)
    model = evaluation.model

    features = build_features(context.tables, context.as_at, evaluation.events)
    scored = outputs.scores(features, model.predict_ibis(features))
    # Materialise once: every later output reads the scored table rather than recomputing the features.
    n_scored = context.write("identification_scores", scored)
    evaluation.events.release()
    stored = context.output("identification_scores")
    context.write("identification_candidates", outputs.candidates(stored))
    context.write(
        "register_prevalence", outputs.register_prevalence(stored, prior_year_deaths(context.tables, context.as_at))
    )
    context.write("population_segments", outputs.population_segments(stored))
    context.write("identification_model", ibis.memtable(_model_table(model)))
    summary_table, calibration_table = _performance_tables(evaluation.performance)
    context.write("identification_performance", ibis.memtable(summary_table))
    context.write("identification_calibration", ibis.memtable(calibration_table))

    performance = {
        **evaluation.performance,
        "index_date": context.as_at.isoformat(),
        "risk_bands": dict(outputs.RISK_BANDS),
        "candidate_threshold": outputs.CANDIDATE_THRESHOLD,
        "segments": outputs.SEGMENT_DEFINITIONS,
    }
    (context.out_dir / "identification_performance.json").write_text(json.dumps(performance, indent=2) + "\n")
    model.save(context.out_dir / "identification_model.json")
    headline = evaluation.performance["models"][0]
    return {
        "people_scored": n_scored,
        "candidates": context.written["identification_candidates"],
        "holdout_auroc": headline["auroc"],
        "baseline_auroc": {m["model"]: m["auroc"] for m in evaluation.performance["models"][1:]},
        "model": "supplied" if given else "fitted in pipeline",
    }
