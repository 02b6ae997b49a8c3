"""Benchmarks: each figure compared with England's (for the ICB) or with the ICB's own (for every area inside it)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from peolc import reference
from peolc.analytics import stats
from peolc.analytics.indicators import aggregate as agg
from peolc.analytics.indicators.definitions import Definition
from peolc.analytics.indicators.keys import KeyIndex, Vocabulary

# The label columns stay int8 codes into these lists until the Arrow tables are built (-1 is null): millions of
# Python strings in object arrays cost more than every statistic put together at national scale.
BENCHMARK_TYPES = ("england", "icb", "icb_all_persons", "none")
COMPARISONS = ("better", "similar", "worse", "higher", "lower", "not compared")


def england_benchmarks() -> dict[tuple[str, str, str], list[tuple[int, float, str]]]:
    """England reference values: (indicator, breakdown, value) → [(year, value, source), …] sorted by year."""
    found: dict[tuple[str, str, str], list[tuple[int, float, str]]] = {}
    for row in reference.rows("england_indicator_benchmarks.csv"):
        key = (row["indicator_id"], row["breakdown"], row["breakdown_value"])
        found.setdefault(key, []).append((int(row["year"]), float(row["value"]), row["source_id"]))
    return {k: sorted(v) for k, v in found.items()}


def add_benchmarks(
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


def _end_year(period_type: str, period: str) -> int:
    if period_type == "calendar_year":
        return int(period)
    if period_type == "financial_year":
        return int(period[:4]) + 1
    if period_type == "quarter":
        return int(period[:4])
    return int(period[-10:-6])
