"""The model's terms are computed twice, in NumPy to fit and in Ibis to score on the backend: the two must agree
term by term, and so must the probabilities."""

from __future__ import annotations

import ibis
import numpy as np
import pyarrow as pa
import pytest

from peolc.analytics import backends
from peolc.analytics.identification.model import TERMS, Model, design, term_ibis

# Edge values for every feature: zeros, hinge and cap points and either side of them, large counts.
_NUMBERS = [0, 1, 2, 3, 9, 12, 13, 29.5, 30, 31, 79, 80, 81, 104]


def _features() -> pa.Table:
    n = len(_NUMBERS)
    columns: dict[str, pa.Array] = {}
    for term in TERMS:
        if term.kind == "male":
            columns[term.feature] = pa.array((["male", "female", "unknown"] * n)[:n])
        elif term.kind == "flag":
            columns[term.feature] = pa.array([i % 2 == 0 for i in range(n)])
        elif term.feature in ("hfrs",):
            columns[term.feature] = pa.array([float(v) for v in _NUMBERS])
        else:
            columns[term.feature] = pa.array([int(v) for v in _NUMBERS])
    return pa.table(columns)


@pytest.fixture(scope="module")
def scored() -> tuple[pa.Table, pa.Table]:
    features = _features()
    con = backends.connect("duckdb")
    table = ibis.memtable(features)
    by_ibis = con.to_pyarrow(table.select(**{t.name: term_ibis(t, table[t.feature]) for t in TERMS}))
    return features, by_ibis


def test_each_term_is_the_same_in_numpy_and_ibis(scored: tuple[pa.Table, pa.Table]) -> None:
    features, by_ibis = scored
    by_numpy = design(features)
    for i, term in enumerate(TERMS):
        np.testing.assert_allclose(
            by_ibis.column(term.name).to_numpy(), by_numpy[:, i], rtol=1e-12, atol=0, err_msg=term.name
        )


def test_the_probability_is_the_same_in_numpy_and_ibis() -> None:
    features = _features()
    rng = np.random.default_rng(1)
    model = Model(TERMS, -6.0, rng.normal(0, 0.3, len(TERMS)), np.zeros(len(TERMS)), np.ones(len(TERMS)))
    con = backends.connect("duckdb")
    table = ibis.memtable(features)
    by_ibis = con.to_pyarrow(table.select(p=model.predict_ibis(table))).column("p").to_numpy()
    np.testing.assert_allclose(by_ibis, model.predict(design(features)), rtol=1e-12, atol=0)
