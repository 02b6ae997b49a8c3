"""The indicator engine: definitions in, ``indicator_values`` and friends out.

This module only orchestrates; each stage is its own module:

- :mod:`.values`: the cohorts aggregated to periods × areas × breakdowns in Ibis, on whichever backend holds the
  data (:mod:`.cohorts`, :mod:`.aggregate`), then each indicator's figures and limits in numpy;
- :mod:`.benchmarks`, :mod:`.trends` and :mod:`.suppression`: added to those figures one family at a time;
- :mod:`.inequalities`: SII and RII across IMD quintiles;
- :mod:`.output`: the Arrow tables the pipeline step writes.

The statistics are applied with :mod:`peolc.analytics.stats` to the small aggregated result, which is the same on
every backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

from peolc.analytics.indicators import aggregate as agg
from peolc.analytics.indicators import cohorts
from peolc.analytics.indicators.benchmarks import BENCHMARK_TYPES, COMPARISONS, add_benchmarks, england_benchmarks
from peolc.analytics.indicators.definitions import Definition, load_definitions
from peolc.analytics.indicators.inequalities import inequality_indices
from peolc.analytics.indicators.keys import Vocabulary
from peolc.analytics.indicators.output import (
    REDACTED,
    SUPPRESSION_REASONS,
    VALUE_COLUMNS,
    definitions_table,
    periods_output,
    value_tables,
)
from peolc.analytics.indicators.periods import Period, build_periods
from peolc.analytics.indicators.suppression import prepare_vocabulary, suppress
from peolc.analytics.indicators.trends import TRENDS, add_trends
from peolc.analytics.indicators.values import aggregate_cohorts, concat, indicator_values, row_index

# Names other modules and tests have always imported from here.
__all__ = [
    "BENCHMARK_TYPES",
    "COMPARISONS",
    "REDACTED",
    "SUPPRESSION_REASONS",
    "TRENDS",
    "VALUE_COLUMNS",
    "Results",
    "compute",
    "default_area_breakdowns",
    "definitions_table",
    "england_benchmarks",
    "row_index",
]


@dataclass
class Results:
    """Everything the step writes, as Arrow tables."""

    values: pa.Table
    values_suppressed: pa.Table
    inequalities: pa.Table
    definitions: pa.Table
    periods: pa.Table


def default_area_breakdowns(area_types: Sequence[str] = cohorts.AREA_TYPES) -> dict[str, tuple[str, ...]]:
    """Every breakdown for the area levels given; all persons only for the rest."""
    return {a: cohorts.BREAKDOWNS if a in area_types else ("all",) for a in cohorts.AREA_TYPES}


def compute(
    con: BaseBackend,
    tables: dict[str, ir.Table],
    *,
    start: date,
    end: date,
    definitions: Sequence[Definition] | None = None,
    area_breakdowns: dict[str, tuple[str, ...]] | None = None,
) -> Results:
    """Compute every indicator for every complete period between ``start`` and ``end`` (inclusive)."""
    chosen = tuple(definitions or load_definitions())
    area_breakdowns = area_breakdowns or default_area_breakdowns()
    periods = build_periods(start, end)
    if not periods:
        raise ValueError(f"no complete reporting period between {start} and {end}")
    icb = cohorts.icb_code(tables.get("organisations"))
    vocab = {name: Vocabulary() for name in ("indicator_id", *agg.KEY_COLUMNS)}
    counts = aggregate_cohorts(con, tables, chosen, periods, area_breakdowns, icb, vocab)
    vocab["indicator_id"].codes(d.id for d in chosen)
    organisations = _organisations(tables.get("organisations"))
    parents = {code: parent for code, (_name, parent) in organisations.items() if parent}
    # The codes the suppression partitions make up are added first, so the key indexes' widths cover them.
    prepare_vocabulary(vocab, parents)
    values: dict[str, tuple[pa.Table, pa.Table]] = {}
    inequalities: dict[str, pa.Table] = {}
    # One family at a time: a national run's arrays stay a family's size instead of every indicator's, which in
    # fresh memory (page faults) cost more than the statistics computed in it.
    for family in _families(chosen):
        pieces = [indicator_values(d, counts, vocab) for d in family]
        family_values = _statistics(concat(pieces), family, vocab, periods, parents, icb)
        full, redacted = value_tables(family_values, vocab, organisations)
        family_inequalities = inequality_indices(family_values, family, vocab)
        offset = 0
        for d, piece in zip(family, pieces, strict=True):
            rows = piece["period"].size
            values[d.id] = (full.slice(offset, rows), redacted.slice(offset, rows))
            offset += rows
            inequalities[d.id] = family_inequalities.filter(pc.equal(family_inequalities["indicator_id"], d.id))
    return Results(
        values=pa.concat_tables(values[d.id][0] for d in chosen),
        values_suppressed=pa.concat_tables(values[d.id][1] for d in chosen),
        inequalities=pa.concat_tables(inequalities[d.id] for d in chosen),
        definitions=definitions_table(chosen),
        periods=periods_output(periods),
    )


def _families(chosen: Sequence[Definition]) -> list[tuple[Definition, ...]]:
    """The definitions in the groups whose figures are suppressed together: each indicator on its own, except the
    members of one ``complement_group`` (their cells add up to a shared total, so they protect each other)."""
    families: dict[str, list[Definition]] = {}
    for d in chosen:
        families.setdefault(d.suppression.get("complement_group") or f"indicator {d.id}", []).append(d)
    return [tuple(members) for members in families.values()]


def _statistics(
    values: dict[str, np.ndarray],
    family: Sequence[Definition],
    vocab: dict[str, Vocabulary],
    periods: list[Period],
    parents: dict[str, str],
    icb: str,
) -> dict[str, np.ndarray]:
    """Benchmarks, trends and suppression added to one family's values."""
    # One index of the rows on their full key serves the benchmarks and the suppression partitions.
    index = row_index(values, vocab)
    add_benchmarks(values, family, vocab, icb, index)
    add_trends(values, family, vocab, periods)
    values["suppressed"], primary = suppress(values, family, vocab, parents, index)
    primary_code, secondary_code = SUPPRESSION_REASONS.index("primary"), SUPPRESSION_REASONS.index("secondary")
    values["suppression_reason"] = np.where(
        primary, primary_code, np.where(values["suppressed"], secondary_code, -1)
    ).astype(np.int8)
    return values


def _organisations(organisations: ir.Table | None) -> dict[str, tuple[str, str | None]]:
    """Organisation code → (name, parent code)."""
    if organisations is None:
        return {}
    rows = organisations.select("code", "name", "parent_code").to_pyarrow().to_pylist()
    return {r["code"]: (r["name"], r["parent_code"]) for r in rows}
