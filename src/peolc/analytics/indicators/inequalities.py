"""Inequalities: the slope and relative indices of inequality (SII, RII) across IMD quintiles."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from peolc.analytics import stats
from peolc.analytics.indicators.definitions import Definition
from peolc.analytics.indicators.keys import Vocabulary, group_ids
from peolc.analytics.indicators.values import standard_errors

SII_AREA_TYPES = ("icb", "locality")
RII_REPETITIONS = 2_000
RII_CHUNK = 500
RII_LIMIT_PERIOD_TYPES = ("calendar_year", "financial_year")
IMD_ORDER = ("1", "2", "3", "4", "5")


def inequality_indices(
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
    se = standard_errors(v, idx)
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
