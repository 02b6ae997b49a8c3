"""Temporal fitting and evaluation: never fit on the year being predicted.

With ``T`` the reference date (the extract end), deaths are complete up to ``T``, so:

- the **production model** is fitted on everyone alive and registered at ``T - 12 months`` with deaths in the
  following year as the outcome, and scores everyone at ``T``;
- the **temporal hold-out** repeats this one year earlier: a model fitted at ``T - 24 months`` (outcomes up to
  ``T - 12 months``) is tested on the cohort at ``T - 12 months`` (outcomes up to ``T``), together with the
  baselines (age alone, HFRS alone, eFI-style alone) fitted on the same training year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
from ibis.backends import BaseBackend

from peolc.analytics.identification.features import (
    CodedEvents,
    build_features,
    coded_events,
    materialise,
    months_before,
)
from peolc.analytics.identification.model import FEATURE_COLUMNS, TERMS, Model, auroc, calibration, design, fit

BASELINES: dict[str, tuple[str, tuple[str, ...]]] = {
    "age_alone": ("Age alone (decades, with a hinge at 80)", ("age_per_10y", "age_over_80_per_10y")),
    "hfrs_alone": ("Hospital Frailty Risk Score alone", ("hfrs",)),
    "efi_alone": ("eFI-style deficit count alone", ("efi_deficits",)),
}
PUBLISHED_BENCHMARKS = {
    "SPICT (Highet et al.)": {"auroc": 0.76},
    "eFI2 internal validation": {"c_index": 0.80},
    "eFI2 external validation": {"c_index": 0.72},
}


def collect_features(
    con: BaseBackend, tables: dict[str, ir.Table], index: date, events: CodedEvents | None = None
) -> pa.Table:
    """The model's feature columns for the cohort at ``index``, collected to Arrow."""
    features = build_features(tables, index, events)
    return con.to_pyarrow(features.select("patient_id", *FEATURE_COLUMNS))


def death_dates(con: BaseBackend, tables: dict[str, ir.Table]) -> pa.Table:
    """Every death (patient_id, date_of_death), collected once: a few per cent of the population."""
    return con.to_pyarrow(tables["deaths"].select("patient_id", "date_of_death"))


def died_within_year(deaths: pa.Table, patient_id: np.ndarray, index: date) -> np.ndarray:
    """1 where the person died after ``index`` and on or before ``index`` plus 12 months, else 0."""
    until = months_before(index, -12)
    day = deaths.column("date_of_death").to_numpy(zero_copy_only=False).astype("datetime64[D]")
    in_year = (day > np.datetime64(index)) & (day <= np.datetime64(until))
    died = deaths.column("patient_id").to_numpy()[in_year]
    return np.isin(patient_id, died).astype(np.int8)


@dataclass
class Evaluation:
    """What the temporal fit produced: the production model and the hold-out performance."""

    model: Model
    performance: dict[str, Any]
    # Coded events up to the reference date, held by the backend, for scoring at it without another scan.
    events: CodedEvents


def _summary(name: str, description: str, p: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    cal = calibration(p, y)
    return {"model": name, "description": description, "auroc": round(auroc(p, y), 4), **cal}


def fit_and_evaluate(
    con: BaseBackend, tables: dict[str, ir.Table], as_at: date, l2: float, model: Model | None = None
) -> Evaluation:
    """Fit the production model at ``as_at - 12 months`` (unless ``model`` is given) and evaluate on the hold-out."""
    train_index, test_index = months_before(as_at, 24), months_before(as_at, 12)
    deaths = death_dates(con, tables)
    events = materialise(con, coded_events(tables, as_at, earliest_index=train_index))
    train = collect_features(con, tables, train_index, events)
    test = collect_features(con, tables, test_index, events)
    y_train = died_within_year(deaths, train.column("patient_id").to_numpy(), train_index)
    y_test = died_within_year(deaths, test.column("patient_id").to_numpy(), test_index)

    holdout = fit(train, y_train, l2=l2)
    rows = [_summary("model", "peolc logistic model (all terms)", holdout.predict(design(test)), y_test)]
    by_name = {t.name: t for t in TERMS}
    for name, (description, term_names) in BASELINES.items():
        terms = tuple(by_name[n] for n in term_names)
        baseline = fit(train, y_train, terms=terms, l2=0.0)
        rows.append(_summary(name, description, baseline.predict(design(test, terms)), y_test))
    beats = all(rows[0]["auroc"] > r["auroc"] for r in rows[1:])
    if model is not None:
        rows.append(
            _summary(
                "supplied",
                "the model given with --model / MODEL.json",
                model.predict(design(test, model.terms)),
                y_test,
            )
        )

    production = model
    if production is None:
        production = fit(test, y_test, l2=l2)
        production.info.update({"index_date": test_index.isoformat(), "outcome_until": as_at.isoformat()})
    performance = {
        "train_index_date": train_index.isoformat(),
        "test_index_date": test_index.isoformat(),
        "outcome_window": "death after the index date and on or before 12 months later",
        "n_train": int(y_train.size),
        "events_train": int(y_train.sum()),
        "n_test": int(y_test.size),
        "events_test": int(y_test.sum()),
        "model_beats_every_baseline": beats,
        "published_benchmarks": PUBLISHED_BENCHMARKS,
        "models": rows,
    }
    return Evaluation(production, performance, events)
