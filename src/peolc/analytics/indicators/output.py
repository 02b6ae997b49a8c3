"""Output: the engine's numpy columns as the Arrow tables the pipeline step writes to Parquet.

``indicator_values`` and its redacted twin ``indicator_values_suppressed``, ``indicator_definitions`` and
``indicator_periods`` are built here; ``indicator_inequalities`` comes ready-made from :mod:`.inequalities`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from peolc import reference
from peolc.analytics.indicators.benchmarks import BENCHMARK_TYPES, COMPARISONS
from peolc.analytics.indicators.definitions import Definition
from peolc.analytics.indicators.keys import Vocabulary, decode
from peolc.analytics.indicators.periods import Period, periods_table
from peolc.analytics.indicators.trends import TRENDS

SUPPRESSION_REASONS = ("primary", "secondary")

VALUE_COLUMNS: dict[str, pa.DataType] = {
    "indicator_id": pa.string(),
    "period_type": pa.string(),
    "period": pa.string(),
    "area_type": pa.string(),
    "area_code": pa.string(),
    "area_name": pa.string(),
    "breakdown": pa.string(),
    "breakdown_value": pa.string(),
    "numerator": pa.float64(),
    "denominator": pa.float64(),
    "value": pa.float64(),
    "lower_95": pa.float64(),
    "upper_95": pa.float64(),
    "lower_998": pa.float64(),
    "upper_998": pa.float64(),
    "benchmark_type": pa.string(),
    "benchmark_value": pa.float64(),
    "benchmark_period": pa.string(),
    "comparison": pa.string(),
    "comparison_998": pa.string(),
    "trend": pa.string(),
    "trend_p_value": pa.float64(),
    "suppressed": pa.bool_(),
    "suppression_reason": pa.string(),
}
# What an aggregate-only user may not see for a suppressed row (everything that reveals or implies the count).
REDACTED = (
    "numerator",
    "denominator",
    "value",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "comparison",
    "comparison_998",
    "trend",
    "trend_p_value",
)


LABELS: dict[str, Sequence[str]] = {
    "benchmark_type": BENCHMARK_TYPES,
    "comparison": COMPARISONS,
    "comparison_998": COMPARISONS,
    "trend": TRENDS,
    "suppression_reason": SUPPRESSION_REASONS,
}


def value_tables(
    values: dict[str, np.ndarray], vocab: dict[str, Vocabulary], organisations: dict[str, tuple[str, str | None]]
) -> tuple[pa.Table, pa.Table]:
    """``indicator_values`` and its redacted twin, built together from the same codes.

    The redacted columns are nulled while still numpy, so the twin shares every other column with the full table.
    """
    hidden = values["suppressed"].astype(bool)
    full: dict[str, pa.Array] = {}
    redacted: dict[str, pa.Array] = {}
    for name, dtype in VALUE_COLUMNS.items():
        redact = name in REDACTED
        if name in vocab:
            full[name] = vocab[name].decode(values[name])
        elif name == "area_name":
            names = [organisations.get(code, (code, None))[0] for code in vocab["area_code"].strings]
            full[name] = decode(values["area_code"], names)
        elif name == "benchmark_period":
            full[name] = decode(values[name], vocab["period"].strings)
        elif name in LABELS:
            full[name] = decode(values[name], LABELS[name])
            if redact:
                redacted[name] = decode(values[name], LABELS[name], hidden)
        elif pa.types.is_floating(dtype):
            figures = values[name].astype(float)
            full[name] = pa.array(figures, dtype, from_pandas=True)
            if redact:
                redacted[name] = pa.array(np.where(hidden, np.nan, figures), dtype, from_pandas=True)
        else:
            full[name] = pa.array(values[name].astype(bool), dtype)
    return pa.table(full), pa.table({name: redacted.get(name, column) for name, column in full.items()})


def definitions_table(chosen: Sequence[Definition]) -> pa.Table:
    """The definitions as one row each, for the web app (lists stay lists; the whole file is kept as JSON)."""
    ambition_titles = {int(r["ambition_number"]): r["title"] for r in reference.rows("ambitions.csv")}
    rows = [
        {
            "indicator_id": d.id,
            "title": d.title,
            "description": d.description,
            "ambitions": list(d.ambitions),
            "ambition_titles": [ambition_titles[a] for a in d.ambitions],
            "type": d.type,
            "unit": d.unit,
            "multiplier": d.multiplier,
            "numerator_description": d.numerator.description,
            "denominator_description": d.denominator.description,
            "numerator_cohort": d.numerator.cohort,
            "denominator_cohort": d.denominator.cohort,
            "period_types": list(d.period_types),
            "breakdowns": list(d.breakdowns),
            "statistical_method": d.statistical_method,
            "polarity": d.polarity,
            "suppression_rule": d.suppression["rule"],
            "complement_group": d.suppression.get("complement_group"),
            "rationale": d.rationale,
            "source": d.source,
            "references": list(d.references),
            "authored_by": d.authored_by,
            "checked_by": d.checked_by,
            "last_reviewed": d.last_reviewed,
            "review_date": d.review_date,
            "definition_json": json.dumps(d.raw, sort_keys=True),
        }
        for d in chosen
    ]
    return pa.Table.from_pylist(rows)


def periods_output(periods: list[Period]) -> pa.Table:
    """``indicator_periods``: every period with its dates, length in years and place in the order of periods."""
    return (
        periods_table(periods)
        .drop(["midpoint"])
        .append_column("period_order", pa.array([p.order for p in periods], pa.int32()))
    )
