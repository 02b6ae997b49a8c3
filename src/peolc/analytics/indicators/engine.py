"""The indicator engine: definitions in, ``indicator_values`` and friends out.

The aggregation (numerators and denominators per indicator × period × area × breakdown) runs in Ibis on whichever
backend holds the data (:mod:`.aggregate`); the statistics are applied with :mod:`peolc.analytics.stats` and numpy to
that small result, which is the same on every backend. Outputs are Arrow tables; the pipeline step writes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

from peolc import reference
from peolc.analytics import stats
from peolc.analytics.indicators import aggregate as agg
from peolc.analytics.indicators import cohorts
from peolc.analytics.indicators.definitions import Count, Definition, load_definitions
from peolc.analytics.indicators.keys import KeyIndex, Vocabulary, decode, group_ids, lookup
from peolc.analytics.indicators.periods import Period, block_membership, build_periods, periods_table
from peolc.analytics.indicators.suppression import prepare_vocabulary, suppress

Z95 = stats.z_value(stats.CONFIDENCE_95)
TREND_PERIOD_TYPES = ("calendar_year", "financial_year", "quarter")
TREND_TYPES = ("proportion", "rate", "ratio", "dsr")
TREND_POINTS = 5
TREND_CHUNK = 200_000
SII_AREA_TYPES = ("icb", "locality")
RII_REPETITIONS = 2_000
RII_CHUNK = 500
RII_LIMIT_PERIOD_TYPES = ("calendar_year", "financial_year")
IMD_ORDER = ("1", "2", "3", "4", "5")
ESP_STRATA = 19
# The label columns stay int8 codes into these lists until the Arrow tables are built (-1 is null): millions of
# Python strings in object arrays cost more than every statistic put together at national scale.
BENCHMARK_TYPES = ("england", "icb", "icb_all_persons", "none")
COMPARISONS = ("better", "similar", "worse", "higher", "lower", "not compared")
TRENDS = ("not calculated", "not enough data", "increasing", "decreasing", "no significant change")
SUPPRESSION_REASONS = ("primary", "secondary")


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


def _materialise(con: BaseBackend, table: ir.Table, name: str) -> ir.Table:
    """Compute a cohort once: it feeds a couple of dozen grouped aggregations, and its joins are most of the work."""
    name = f"{name}_{uuid.uuid4().hex[:12]}"
    if con.name == "pyspark":
        # Ibis's PySpark backend has no temporary tables; a cached temporary view does the same job.
        view = con.create_view(name, table, overwrite=True)
        con.raw_sql(f"CACHE TABLE {name}")
        return view
    return con.create_table(name, table, temp=True)


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
        cohort_tables["decedents"] = _materialise(con, people, "_ind_decedents")
    midpoint_cohorts = {"population": cohorts.population, "register": cohorts.register_at_midpoint}
    for name, build in midpoint_cohorts.items():
        if name in needed:
            types = set().union(*(p[name].period_types for p in (plans, strat_plans) if name in p))
            midpoints = periods_mem.filter(periods_mem.period_type.isin(sorted(types))).select(
                "period_type", "period", "midpoint"
            )
            cohort_tables[name] = _materialise(con, build(tables, icb, midpoints), f"_ind_{name}")
    vocab = {name: Vocabulary() for name in ("indicator_id", *agg.KEY_COLUMNS)}
    blocks = ibis.memtable(block_membership(periods))

    def aggregated(cohort: str, plan: agg.CohortPlan, strata: str | None = None) -> dict[str, np.ndarray]:
        table = cohort_tables[cohort]
        per_person = blocks if "block" in table.columns else None
        return _encode(agg.aggregate(con, table, plan, area_breakdowns, strata, blocks=per_person), vocab)

    flat = {c: aggregated(c, p) for c, p in plans.items()}
    stratified = {c: aggregated(c, p, strata="age5") for c, p in strat_plans.items()}
    years = _period_lookup(vocab, periods, lambda p: p.years)
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
        pieces = [
            _dsr_values(d, stratified, strat_plans, years, vocab)
            if d.type == "dsr"
            else _flat_values(d, flat, plans, years, vocab)
            for d in family
        ]
        family_values = _statistics(_concat(pieces), family, vocab, periods, parents, icb)
        full, redacted = _to_arrow(family_values, vocab, organisations)
        family_inequalities = _inequalities(family_values, family, vocab)
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
        periods=periods_table(periods)
        .drop(["midpoint"])
        .append_column("period_order", pa.array([p.order for p in periods], pa.int32())),
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
    _add_benchmarks(values, family, vocab, icb, index)
    _add_trends(values, family, vocab, periods)
    values["suppressed"], primary = suppress(values, family, vocab, parents, index)
    values["suppression_reason"] = np.where(primary, 0, np.where(values["suppressed"], 1, -1)).astype(np.int8)
    return values


def _encode(table: pa.Table, vocab: dict[str, Vocabulary]) -> dict[str, np.ndarray]:
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


def _period_lookup(vocab: dict[str, Vocabulary], periods: list[Period], attribute) -> np.ndarray:
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


FIGURES = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998")


def _piece(
    d: Definition, keys: dict[str, np.ndarray], vocab: dict[str, Vocabulary], *arrays: np.ndarray
) -> dict[str, np.ndarray]:
    n = keys["period"].size
    piece = {"indicator_id": np.full(n, vocab["indicator_id"].code(d.id), dtype=np.int32), **keys}
    piece.update({name: np.asarray(a, dtype=float) for name, a in zip(FIGURES, arrays, strict=True)})
    return piece


def _concat(pieces: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if len(pieces) == 1:
        return dict(pieces[0])
    return {k: np.concatenate([p[k] for p in pieces]) for k in pieces[0]}


def _organisations(organisations: ir.Table | None) -> dict[str, tuple[str, str | None]]:
    """Organisation code → (name, parent code)."""
    if organisations is None:
        return {}
    rows = organisations.select("code", "name", "parent_code").to_pyarrow().to_pylist()
    return {r["code"]: (r["name"], r["parent_code"]) for r in rows}


# --------------------------------------------------------------------------------------------------------------------
# Benchmarks


def england_benchmarks() -> dict[tuple[str, str, str], list[tuple[int, float, str]]]:
    """England reference values: (indicator, breakdown, value) → [(year, value, source), …] sorted by year."""
    found: dict[tuple[str, str, str], list[tuple[int, float, str]]] = {}
    for row in reference.rows("england_indicator_benchmarks.csv"):
        key = (row["indicator_id"], row["breakdown"], row["breakdown_value"])
        found.setdefault(key, []).append((int(row["year"]), float(row["value"]), row["source_id"]))
    return {k: sorted(v) for k, v in found.items()}


def _add_benchmarks(
    values: dict[str, np.ndarray],
    chosen: Sequence[Definition],
    vocab: dict[str, Vocabulary],
    icb_code: str,
    index: KeyIndex,
) -> None:
    """ICB figures against England (same year, else the latest earlier one); every other figure against the ICB's.

    Sub-ICB areas are compared with the ICB for the same breakdown value; the ICB's own breakdown rows are compared
    with England's value for that group when there is one, else with the ICB's all-persons figure.
    """
    v = values
    n = v["period"].size
    ind, ptype, period, atype = v["indicator_id"], v["period_type"], v["period"], v["area_type"]
    breakdown, group = v["breakdown"], v["breakdown_value"]
    icb = vocab["area_type"].code("icb")
    all_breakdown, all_value = vocab["breakdown"].code("all"), vocab["breakdown_value"].code(agg.ALL)
    area = v["area_code"]
    is_icb = atype == icb
    same_group = index.find(
        [ind, ptype, period, icb, vocab["area_code"].code(icb_code), breakdown, group], where=~is_icb
    )
    all_persons = index.find(
        [ind, ptype, period, icb, area, all_breakdown, all_value], where=is_icb & (breakdown != all_breakdown)
    )
    icb_row = np.where(is_icb, np.where(breakdown == all_breakdown, -1, all_persons), same_group)
    bench = np.where(icb_row >= 0, v["value"][np.maximum(icb_row, 0)], np.nan)
    kind = np.where(
        icb_row >= 0,
        np.where(is_icb, BENCHMARK_TYPES.index("icb_all_persons"), BENCHMARK_TYPES.index("icb")),
        BENCHMARK_TYPES.index("none"),
    ).astype(np.int8)
    # England's years join the period vocabulary: "2023" is the same label as the calendar year 2023.
    bench_period = np.where(icb_row >= 0, period, -1).astype(np.int32)
    for (ind_id, breakdown_name, group_name), series in england_benchmarks().items():
        if ind_id not in vocab["indicator_id"].strings:
            continue
        rows = np.flatnonzero(
            is_icb
            & (ind == vocab["indicator_id"].code(ind_id))
            & (breakdown == vocab["breakdown"].code(breakdown_name))
            & (group == vocab["breakdown_value"].code(group_name))
        )
        for i in rows:
            year = _end_year(vocab["period_type"].strings[ptype[i]], vocab["period"].strings[period[i]])
            earlier = [entry for entry in series if entry[0] <= year]
            if earlier:
                bench[i], kind[i] = earlier[-1][1], BENCHMARK_TYPES.index("england")
                bench_period[i] = vocab["period"].code(str(earlier[-1][0]))
    comparison = np.full(n, COMPARISONS.index("not compared"), dtype=np.int8)
    comparison_998 = comparison.copy()
    for polarity in sorted({d.polarity for d in chosen}):
        rows = np.flatnonzero(np.isin(ind, vocab["indicator_id"].codes(d.id for d in chosen if d.polarity == polarity)))
        labels = stats.comparison_labels(polarity)  # type: ignore[arg-type]
        label_codes = np.array([COMPARISONS.index(label) for label in labels], np.int8)
        for target, level in ((comparison, "95"), (comparison_998, "998")):
            significance = stats.benchmark_significance(
                v[f"lower_{level}"][rows], v[f"upper_{level}"][rows], bench[rows]
            )
            target[rows] = label_codes[significance + 2]
    values.update(
        benchmark_type=kind,
        benchmark_value=bench,
        benchmark_period=bench_period,
        comparison=comparison,
        comparison_998=comparison_998,
    )


def row_index(values: dict[str, np.ndarray], vocab: dict[str, Vocabulary]) -> KeyIndex:
    """An index of the result's rows on their full key (indicator, period, area, breakdown)."""
    names = ("indicator_id", *agg.KEY_COLUMNS)
    return KeyIndex([values[k] for k in names], [len(vocab[k].strings) + 8 for k in names])


def _end_year(period_type: str, period: str) -> int:
    if period_type == "calendar_year":
        return int(period)
    if period_type == "financial_year":
        return int(period[:4]) + 1
    if period_type == "quarter":
        return int(period[:4])
    return int(period[-10:-6])


# --------------------------------------------------------------------------------------------------------------------
# Trend


def _add_trends(
    values: dict[str, np.ndarray], chosen: Sequence[Definition], vocab: dict[str, Vocabulary], periods: list[Period]
) -> None:
    """Test for linear trend over the five most recent periods with data, up to each row's period (Fingertips'
    "recent trend").

    Proportions use the chi-square test for trend on their counts; rates, ratios and standardised rates the
    inverse-variance weighted regression on their values, with standard errors from the 95% limits. Medians have no
    limits, so no trend. Only non-overlapping periods (years, quarters): successive rolling periods share months.
    """
    n = values["period"].size
    trend = np.full(n, TRENDS.index("not calculated"), dtype=np.int8)
    p_value = np.full(n, np.nan)
    proportions = vocab["indicator_id"].codes(d.id for d in chosen if d.type == "proportion")
    tested = vocab["indicator_id"].codes(d.id for d in chosen if d.type in TREND_TYPES)
    eligible = np.isin(values["indicator_id"], tested) & np.isin(
        values["period_type"], vocab["period_type"].codes(TREND_PERIOD_TYPES)
    )
    trend[eligible] = TRENDS.index("not enough data")
    rows = np.flatnonzero(eligible)
    if rows.size:
        series_id = group_ids(
            [
                values[k][rows]
                for k in ("indicator_id", "period_type", "area_type", "area_code", "breakdown", "breakdown_value")
            ]
        )
        order = _period_lookup(vocab, periods, lambda p: p.order)[values["period"][rows]]
        sort = np.lexsort((order, series_id))
        rows, series_id = rows[sort], series_id[sort]
        # A row's window is it and the four rows before it in series order, when all five are in its series.
        first = np.arange(rows.size) - (TREND_POINTS - 1)
        complete = np.flatnonzero((first >= 0) & (series_id[np.maximum(first, 0)] == series_id))
        # In chunks, so the (rows × points) arrays stay small enough for the allocator to reuse.
        for start in range(0, complete.size, TREND_CHUNK):
            ends = complete[start : start + TREND_CHUNK]
            idx = rows[ends[:, None] + np.arange(1 - TREND_POINTS, 1)[None, :]]
            is_proportion = np.isin(values["indicator_id"][idx[:, 0]], proportions)
            target = rows[ends]
            for proportion, windows in ((True, is_proportion), (False, ~is_proportion)):
                trend[target[windows]], p_value[target[windows]] = _trend_test(values, idx[windows], proportion)
    values["trend"], values["trend_p_value"] = trend, p_value


def _trend_test(values: dict[str, np.ndarray], idx: np.ndarray, proportion: bool) -> tuple[np.ndarray, np.ndarray]:
    """(trend label code, p-value) for each window of rows in ``idx`` (windows × points).

    A proportion whose test is undefined (0 or 1 throughout) has no significant change; another type without usable
    limits has no trend calculated.
    """
    if proportion:
        counts, dens = values["numerator"][idx], values["denominator"][idx]
        _, p = stats.chi_square_linear_trend(counts, dens)
        rates = counts / dens
        slope = np.sum((rates - rates.mean(axis=1, keepdims=True)) * (np.arange(TREND_POINTS) - 2), axis=1)
        undefined = TRENDS.index("no significant change")
    else:
        se = (values["upper_95"][idx] - values["lower_95"][idx]) / (2 * Z95)
        slope, _, p = stats.weighted_linear_trend(values["value"][idx], se)
        undefined = TRENDS.index("not calculated")
    label = np.where(
        p < 0.05,
        np.where(slope > 0, TRENDS.index("increasing"), TRENDS.index("decreasing")),
        TRENDS.index("no significant change"),
    )
    return np.where(np.isnan(p), undefined, label), p


# --------------------------------------------------------------------------------------------------------------------
# Inequalities


def _inequalities(
    values: dict[str, np.ndarray], chosen: Sequence[Definition], vocab: dict[str, Vocabulary]
) -> pa.Table:
    """SII and RII across IMD quintiles for each indicator × period × ICB and locality with all five quintiles.

    Weights are each quintile's denominator (its share of the cohort, as PHE weights by population), standard errors
    come from the 95% limits (half-width / 1.96); the SII has analytic limits, the RII simulated ones (fixed seed).
    Medians have no limits, so their SII and RII have none either.
    """
    v = values
    key_names = ("indicator_id", "period_type", "period", "area_type", "area_code")
    wanted = (v["breakdown"] == vocab["breakdown"].code("imd_quintile")) & np.isin(
        v["area_type"], vocab["area_type"].codes(SII_AREA_TYPES)
    )
    rows = np.flatnonzero(wanted)
    quintile_codes = vocab["breakdown_value"].codes(IMD_ORDER)
    position = np.full(len(vocab["breakdown_value"].strings), -1)
    position[quintile_codes] = np.arange(len(IMD_ORDER))
    rows = rows[position[v["breakdown_value"][rows]] >= 0]
    group = group_ids([v[k][rows] for k in key_names]) if rows.size else np.empty(0, dtype=np.int64)
    n_groups = int(group.max()) + 1 if group.size else 0
    grid = np.full((n_groups, len(IMD_ORDER)), -1, dtype=np.int64)
    grid[group, position[v["breakdown_value"][rows]]] = rows
    complete = np.all(grid >= 0, axis=1)
    complete[complete] = np.all(np.isfinite(v["value"][grid[complete]]), axis=1)
    idx = grid[complete]
    n = idx.shape[0]
    first = idx[:, 0] if n else np.empty(0, dtype=np.int64)
    result: dict[str, pa.Array] = {k: vocab[k].decode(v[k][first]) for k in key_names}
    y = v["value"][idx]
    weights = v["denominator"][idx]
    se = (v["upper_95"][idx] - v["lower_95"][idx]) / (2 * Z95)
    has_se = np.all(np.isfinite(se) & (se > 0), axis=1)
    se = np.where(has_se[:, None], se, 0.0)
    if n:
        sii = stats.slope_index_of_inequality(y, weights, se, method="analytic")
        rii = _rii(y, weights, se, np.isin(v["period_type"][first], vocab["period_type"].codes(RII_LIMIT_PERIOD_TYPES)))
    else:
        empty = np.empty(0)
        sii = rii = stats.IndexOfInequality(empty, empty, empty)
    units = {vocab["indicator_id"].code(d.id): d.unit for d in chosen}
    result.update(
        unit=pa.array([units[i] for i in v["indicator_id"][first]], pa.string()),
        sii=pa.array(sii.estimate, pa.float64()),
        sii_lower_95=pa.array(np.where(has_se, sii.lower, np.nan), pa.float64(), from_pandas=True),
        sii_upper_95=pa.array(np.where(has_se, sii.upper, np.nan), pa.float64(), from_pandas=True),
        rii=pa.array(rii.estimate, pa.float64()),
        rii_lower_95=pa.array(np.where(has_se, rii.lower, np.nan), pa.float64(), from_pandas=True),
        rii_upper_95=pa.array(np.where(has_se, rii.upper, np.nan), pa.float64(), from_pandas=True),
        any_quintile_suppressed=pa.array(v["suppressed"][idx].any(axis=1) if n else np.empty(0, bool), pa.bool_()),
    )
    return pa.table(result)


def _rii(y: np.ndarray, weights: np.ndarray, se: np.ndarray, with_limits: np.ndarray) -> stats.IndexOfInequality:
    """RII for every row; simulated limits only where ``with_limits`` (the years an equity audit reports), in chunks.

    The simulation holds rows × repetitions draws; across every quarter and rolling period of every locality in a
    national run that is tens of gigabytes, so those rows get the point estimate only.
    """
    estimate = stats.relative_index_of_inequality(y, weights).estimate
    lower = np.full(estimate.shape, np.nan)
    upper = np.full(estimate.shape, np.nan)
    rows = np.flatnonzero(with_limits)
    for start in range(0, rows.size, RII_CHUNK):
        chunk = rows[start : start + RII_CHUNK]
        found = stats.relative_index_of_inequality(y[chunk], weights[chunk], se[chunk], repetitions=RII_REPETITIONS)
        lower[chunk], upper[chunk] = found.lower, found.upper
    return stats.IndexOfInequality(estimate, lower, upper)


# --------------------------------------------------------------------------------------------------------------------
# Output tables

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


def _to_arrow(
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
    import json

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
