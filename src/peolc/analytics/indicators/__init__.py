"""The outcomes framework: indicators defined as data (``definitions/*.json``) and one engine that computes them.

As a pipeline step (``run``) it writes ``indicator_values`` (every figure, for authorised roles),
``indicator_values_suppressed`` (the same rows with small numbers withheld, for aggregate-only users),
``indicator_inequalities`` (SII/RII across IMD quintiles), ``indicator_definitions`` and ``indicator_periods``.
See ``docs/indicators/README.md``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from peolc.analytics.indicators.definitions import Definition, load_definitions
from peolc.analytics.indicators.engine import Results, compute

if TYPE_CHECKING:
    from peolc.analytics.pipeline import PipelineContext

__all__ = ["Definition", "Results", "compute", "load_definitions", "run"]


def first_death_month(context: PipelineContext) -> date:
    """The first day of the month of the earliest death: periods start no earlier than the deaths do."""
    deaths = context.tables["deaths"]
    earliest = context.con.to_pyarrow(deaths.date_of_death.min()).as_py()
    if earliest is None:
        raise ValueError("deaths is empty: there is nothing to compute indicators from")
    return earliest.replace(day=1)


def run(context: PipelineContext) -> dict[str, Any]:
    """Pipeline step: compute every indicator over the contract tables and write the five outputs."""
    results = compute(context.con, context.tables, start=first_death_month(context), end=context.as_at)
    outputs = {
        "indicator_values": results.values,
        "indicator_values_suppressed": results.values_suppressed,
        "indicator_inequalities": results.inequalities,
        "indicator_definitions": results.definitions,
        "indicator_periods": results.periods,
    }
    import ibis

    for name, table in outputs.items():
        context.write(name, ibis.memtable(table))
    return {
        "indicators": len(load_definitions()),
        "values": results.values.num_rows,
        "suppressed": int(results.values.column("suppressed").to_numpy().sum()),
    }
