"""Trends: the recent trend of each series (one indicator, area and breakdown value over successive periods)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from peolc.analytics import stats
from peolc.analytics.indicators.definitions import Definition
from peolc.analytics.indicators.keys import Vocabulary, group_ids
from peolc.analytics.indicators.periods import Period
from peolc.analytics.indicators.values import period_lookup, standard_errors

TREND_PERIOD_TYPES = ("calendar_year", "financial_year", "quarter")
TREND_TYPES = ("proportion", "rate", "ratio", "dsr")
TREND_POINTS = 5
TREND_CHUNK = 200_000
# Codes of the ``trend`` column (int8 until the Arrow tables are built).
TRENDS = ("not calculated", "not enough data", "increasing", "decreasing", "no significant change")


def add_trends(
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
        order = period_lookup(vocab, periods, lambda p: p.order)[values["period"][rows]]
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
        se = standard_errors(values, idx)
        slope, _, p = stats.weighted_linear_trend(values["value"][idx], se)
        undefined = TRENDS.index("not calculated")
    label = np.where(
        p < 0.05,
        np.where(slope > 0, TRENDS.index("increasing"), TRENDS.index("decreasing")),
        TRENDS.index("no significant change"),
    )
    return np.where(np.isnan(p), undefined, label), p
