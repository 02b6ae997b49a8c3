"""Values: every cohort aggregated to periods × areas × breakdowns, then each indicator's figures and limits.

The counting runs in Ibis on whichever backend holds the data (:mod:`.aggregate`); what comes back is small, so it
is turned into numpy columns with integer-coded keys (:mod:`.keys`) and each definition's numerator, denominator,
value and 95% and 99.8% limits are worked out from it with :mod:`peolc.analytics.stats`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

from peolc.analytics import stats
from peolc.analytics.indicators import aggregate as agg
from peolc.analytics.indicators import cohorts
from peolc.analytics.indicators.definitions import Count, Definition
from peolc.analytics.indicators.keys import KeyIndex, Vocabulary, group_ids, lookup
from peolc.analytics.indicators.periods import Period, block_membership, periods_table

Z95 = stats.z_value(stats.CONFIDENCE_95)
ESP_STRATA = 19
FIGURES = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998")


@dataclass
class Aggregated:
    """Every cohort's counts per period × area × breakdown as numpy columns, key columns as vocabulary codes."""

    flat: dict[str, dict[str, np.ndarray]]
    """Cohort → its columns, for every indicator type except directly standardised rates."""
    stratified: dict[str, dict[str, np.ndarray]]
    """Cohort → its columns by five-year age band too (``age5``), for directly standardised rates."""
    plans: dict[str, agg.CohortPlan]
    strat_plans: dict[str, agg.CohortPlan]
    years: np.ndarray
    """Each period's length in years, indexed by period code."""


def aggregate_cohorts(
    con: BaseBackend,
    tables: dict[str, ir.Table],
    chosen: Sequence[Definition],
    periods: list[Period],
    area_breakdowns: dict[str, tuple[str, ...]],
    icb: str,
    vocab: dict[str, Vocabulary],
) -> Aggregated:
    """Build the cohorts the definitions count, then every numerator and denominator they need, on the backend."""
    plans: dict[str, agg.CohortPlan] = {}
    strat_plans: dict[str, agg.CohortPlan] = {}
    for d in chosen:
        target = strat_plans if d.type == "dsr" else plans
        for side in (d.numerator, d.denominator):
            target.setdefault(side.cohort, agg.CohortPlan()).add(side, d.breakdowns, d.period_types)
    periods_mem = ibis.memtable(periods_table(periods))
    needed = set(plans) | set(strat_plans)
    cohort_tables: dict[str, ir.Table] = {}
    if "decedents" in needed:
        # Materialised once per person with the quarter they died in: counts are made per quarter and added up into
        # periods, so no decedent is copied into the up to seven periods their death falls in.
        people = cohorts.with_block(cohorts.decedents(tables, icb), "date_of_death")
        cohort_tables["decedents"] = materialise(con, people, "_ind_decedents")
    midpoint_cohorts = {"population": cohorts.population, "register": cohorts.register_at_midpoint}
    for name, build in midpoint_cohorts.items():
        if name in needed:
            types = set().union(*(p[name].period_types for p in (plans, strat_plans) if name in p))
            midpoints = periods_mem.filter(periods_mem.period_type.isin(sorted(types))).select(
                "period_type", "period", "midpoint"
            )
            cohort_tables[name] = materialise(con, build(tables, icb, midpoints), f"_ind_{name}")
    blocks = ibis.memtable(block_membership(periods))

    def aggregated(cohort: str, plan: agg.CohortPlan, strata: str | None = None) -> dict[str, np.ndarray]:
        table = cohort_tables[cohort]
        per_person = blocks if "block" in table.columns else None
        return encode(agg.aggregate(con, table, plan, area_breakdowns, strata, blocks=per_person), vocab)

    flat = {c: aggregated(c, p) for c, p in plans.items()}
    stratified = {c: aggregated(c, p, strata="age5") for c, p in strat_plans.items()}
    years = period_lookup(vocab, periods, lambda p: p.years)
    return Aggregated(flat, stratified, plans, strat_plans, years)


def indicator_values(d: Definition, counts: Aggregated, vocab: dict[str, Vocabulary]) -> dict[str, np.ndarray]:
    """One indicator's rows: its keys, numerator, denominator, value and limits, for every cell with a denominator."""
    if d.type == "dsr":
        return _dsr_values(d, counts.stratified, counts.strat_plans, counts.years, vocab)
    return _flat_values(d, counts.flat, counts.plans, counts.years, vocab)


def materialise(con: BaseBackend, table: ir.Table, name: str) -> ir.Table:
    """Compute a cohort once: it feeds a couple of dozen grouped aggregations, and its joins are most of the work."""
    name = f"{name}_{uuid.uuid4().hex[:12]}"
    if con.name == "pyspark":
        # Ibis's PySpark backend has no temporary tables; a cached temporary view does the same job.
        view = con.create_view(name, table, overwrite=True)
        con.raw_sql(f"CACHE TABLE {name}")
        return view
    return con.create_table(name, table, temp=True)


def encode(table: pa.Table, vocab: dict[str, Vocabulary]) -> dict[str, np.ndarray]:
    """The aggregated result as numpy columns, key columns as integer codes.

    Rows are sorted by their keys first: backends return groups in any order, and both the codes and the row order
    decide ties in secondary suppression and which RII rows get which random draws, so without it a rerun could
    suppress a different cell.
    """
    keys = [name for name in table.column_names if name in vocab or name == "age5"]
    # Sorting on integer ranks of each key's distinct values gives the order Arrow's string sort would, without
    # comparing millions of strings; codes are then added to the vocabulary in order of first appearance in that order.
    local: dict[str, tuple[np.ndarray, list[str]]] = {}
    ranks = []
    for name in keys:
        if name in vocab:
            indices, strings = _local_codes(table.column(name))
            local[name] = (indices, strings)
            order_of = np.empty(len(strings), dtype=np.int64)
            order_of[sorted(range(len(strings)), key=lambda i: strings[i].encode())] = np.arange(len(strings))
            ranks.append(order_of[indices])
        else:
            ranks.append(table.column(name).to_numpy(zero_copy_only=False))
    order = np.lexsort(ranks[::-1]) if ranks else None
    columns = {}
    for name in table.column_names:
        if name in local:
            indices, strings = local[name]
            ordered = indices[order]
            present, first = np.unique(ordered, return_index=True)
            mapping = np.full(len(strings), -1, dtype=np.int32)
            appearance = present[np.argsort(first)]
            mapping[appearance] = vocab[name].codes(strings[i] for i in appearance)
            columns[name] = mapping[ordered]
        else:
            column = table.column(name).to_numpy(zero_copy_only=False)
            columns[name] = column[order] if order is not None else column
    return columns


def _local_codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Indices into a column's own distinct strings (hash-encoded in Arrow), and those strings."""
    encoded = pc.dictionary_encode(column)
    combined = encoded.combine_chunks() if encoded.num_chunks != 1 else encoded.chunk(0)
    if combined.null_count:
        raise ValueError("key columns must not hold nulls")
    strings = [str(s) for s in combined.dictionary.to_pylist()]
    return combined.indices.to_numpy(zero_copy_only=False).astype(np.int64), strings


def period_lookup(
    vocab: dict[str, Vocabulary], periods: list[Period], attribute: Callable[[Period], float]
) -> np.ndarray:
    """An array indexed by period code giving ``attribute(period)`` (labels are unique across period types)."""
    for p in periods:
        vocab["period"].code(p.period)
    found = np.full(len(vocab["period"].strings), np.nan)
    for p in periods:
        found[vocab["period"].code(p.period)] = attribute(p)
    return found


def _measure(cols: dict[str, np.ndarray], plans: dict[str, agg.CohortPlan], side: Count) -> np.ndarray:
    return cols[agg.measure_columns(plans[side.cohort])[agg.measure_key(side)]].astype(float)


def _flat_values(
    d: Definition,
    flat: dict[str, dict[str, np.ndarray]],
    plans: dict[str, agg.CohortPlan],
    years_by_period: np.ndarray,
    vocab: dict[str, Vocabulary],
) -> dict[str, np.ndarray]:
    num_cols, den_cols = flat[d.numerator.cohort], flat[d.denominator.cohort]
    numerator, denominator = _measure(num_cols, plans, d.numerator), _measure(den_cols, plans, d.denominator)
    keys = {k: num_cols[k] for k in agg.KEY_COLUMNS}
    if d.numerator.cohort != d.denominator.cohort:
        # A ratio's observed and expected counts come from different cohorts: align them on the cell key, keeping
        # cells with deaths but nobody on the register (observed 0) and the reverse (expected 0, value undefined).
        num_keys = [num_cols[k] for k in agg.KEY_COLUMNS]
        den_keys = [den_cols[k] for k in agg.KEY_COLUMNS]
        extra = lookup(den_keys, num_keys) < 0
        keys = {k: np.concatenate([num_cols[k], den_cols[k][extra]]) for k in agg.KEY_COLUMNS}
        matched = lookup([keys[k] for k in agg.KEY_COLUMNS], den_keys)
        denominator = np.where(matched >= 0, denominator[np.maximum(matched, 0)], 0.0)
        numerator = np.concatenate([numerator, np.zeros(int(extra.sum()))])
    keep = (
        np.isin(keys["period_type"], vocab["period_type"].codes(d.period_types))
        & np.isin(keys["breakdown"], vocab["breakdown"].codes(d.breakdowns))
        & (np.nan_to_num(denominator) > 0)
    )
    keys = {k: v[keep] for k, v in keys.items()}
    numerator, denominator = numerator[keep], denominator[keep]
    if d.type != "median":
        numerator = np.nan_to_num(numerator)
    m = d.multiplier
    with np.errstate(divide="ignore", invalid="ignore"):
        if d.type == "proportion":
            value = numerator / denominator * m
            lo95, hi95 = (x * m for x in stats.wilson_interval(numerator, denominator, stats.CONFIDENCE_95))
            lo998, hi998 = (x * m for x in stats.wilson_interval(numerator, denominator, stats.CONFIDENCE_998))
        elif d.type in ("rate", "ratio"):
            if d.type == "ratio":
                # Expected = factor × the area's deaths per year; the figure is observed as a share of it.
                denominator = denominator * float(d.denominator.expected_factor or 1) / years_by_period[keys["period"]]
            value = numerator / denominator * m
            lo95, hi95 = (x / denominator * m for x in stats.byar_interval(numerator, stats.CONFIDENCE_95))
            lo998, hi998 = (x / denominator * m for x in stats.byar_interval(numerator, stats.CONFIDENCE_998))
        else:
            value = numerator * m
            numerator = np.full(value.shape, np.nan)
            lo95 = hi95 = lo998 = hi998 = np.full(value.shape, np.nan)
    return _piece(d, keys, vocab, numerator, denominator, value, lo95, hi95, lo998, hi998)


def _dsr_values(
    d: Definition,
    stratified: dict[str, dict[str, np.ndarray]],
    plans: dict[str, agg.CohortPlan],
    years_by_period: np.ndarray,
    vocab: dict[str, Vocabulary],
) -> dict[str, np.ndarray]:
    bands = int(d.standard_age_bands or ESP_STRATA)
    num_cols, den_cols = stratified[d.numerator.cohort], stratified[d.denominator.cohort]
    both = {k: np.concatenate([den_cols[k], num_cols[k]]) for k in agg.KEY_COLUMNS}
    cell = group_ids([both[k] for k in agg.KEY_COLUMNS])
    n_cells = int(cell.max()) + 1 if cell.size else 0
    first = np.full(n_cells, -1, dtype=np.int64)
    first[cell[::-1]] = np.arange(cell.size)[::-1]
    keys = {k: v[first] for k, v in both.items()}
    counts = np.zeros((n_cells, ESP_STRATA))
    population = np.zeros((n_cells, ESP_STRATA))
    n_den = den_cols["period"].size
    np.add.at(
        population,
        (cell[:n_den], den_cols["age5"].astype(int)),
        np.nan_to_num(_measure(den_cols, plans, d.denominator)),
    )
    np.add.at(
        counts, (cell[n_den:], num_cols["age5"].astype(int)), np.nan_to_num(_measure(num_cols, plans, d.numerator))
    )
    counts, population = counts[:, :bands], population[:, :bands]
    years = years_by_period[keys["period"]] if n_cells else np.empty(0)
    # A stratum with nobody in it and no deaths adds nothing to the rate; give it a nominal population so the
    # Dobson formulae stay defined (a stratum with deaths but no population stays undefined).
    person_years = np.where((population == 0) & (counts == 0), 1.0, population) * years[:, None]
    weights = stats.european_standard_population_2013()[:bands]
    value, lo95, hi95 = stats.dsr(counts, person_years, weights, stats.CONFIDENCE_95, d.multiplier)
    _, lo998, hi998 = stats.dsr(counts, person_years, weights, stats.CONFIDENCE_998, d.multiplier)
    numerator, denominator = counts.sum(axis=1), population.sum(axis=1)
    keep = (
        np.isin(keys["period_type"], vocab["period_type"].codes(d.period_types))
        & np.isin(keys["breakdown"], vocab["breakdown"].codes(d.breakdowns))
        & (denominator > 0)
    )
    keys = {k: v[keep] for k, v in keys.items()}
    return _piece(
        d,
        keys,
        vocab,
        numerator[keep],
        denominator[keep],
        value[keep],
        lo95[keep],
        hi95[keep],
        lo998[keep],
        hi998[keep],
    )


def _piece(
    d: Definition, keys: dict[str, np.ndarray], vocab: dict[str, Vocabulary], *arrays: np.ndarray
) -> dict[str, np.ndarray]:
    n = keys["period"].size
    piece = {"indicator_id": np.full(n, vocab["indicator_id"].code(d.id), dtype=np.int32), **keys}
    piece.update({name: np.asarray(a, dtype=float) for name, a in zip(FIGURES, arrays, strict=True)})
    return piece


def standard_errors(values: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """Standard errors of the rows ``idx`` from their 95% limits (half-width / 1.96)."""
    return (values["upper_95"][idx] - values["lower_95"][idx]) / (2 * Z95)


def concat(pieces: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Several indicators' rows as one set of columns."""
    if len(pieces) == 1:
        return dict(pieces[0])
    return {k: np.concatenate([p[k] for p in pieces]) for k in pieces[0]}


def row_index(values: dict[str, np.ndarray], vocab: dict[str, Vocabulary]) -> KeyIndex:
    """An index of the result's rows on their full key (indicator, period, area, breakdown)."""
    names = ("indicator_id", *agg.KEY_COLUMNS)
    return KeyIndex([values[k] for k in names], [len(vocab[k].strings) + 8 for k in names])
