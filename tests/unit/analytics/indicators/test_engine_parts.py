"""Periods, keys and suppression: the numpy half of the engine, on hand-made inputs."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from peolc.analytics.indicators.definitions import load_definitions
from peolc.analytics.indicators.keys import KeyIndex, Vocabulary, lookup
from peolc.analytics.indicators.periods import Period, block_membership, build_periods, quarter_block
from peolc.analytics.indicators.suppression import suppress
from peolc.analytics.indicators.trends import TRENDS, add_trends
from peolc.analytics.stats import byar_interval


def test_only_complete_periods_are_built():
    periods = build_periods(date(2019, 1, 1), date(2020, 12, 31))
    labels = {(p.period_type, p.period) for p in periods}
    assert ("calendar_year", "2019") in labels and ("calendar_year", "2020") in labels
    assert ("financial_year", "2019/20") in labels and ("financial_year", "2020/21") not in labels
    assert sum(p.period_type == "quarter" for p in periods) == 8
    rolling = [p for p in periods if p.period_type == "rolling_12_months"]
    assert [p.period for p in rolling][0] == "12 months to 2019-12-31"
    assert len(rolling) == 5
    assert all(p.start <= p.midpoint <= p.end for p in periods)


def test_every_period_is_the_quarters_it_spans():
    periods = build_periods(date(2019, 1, 1), date(2021, 12, 31))
    membership = block_membership(periods).to_pylist()
    days_in_quarter = {}
    for day in (date(2019, 1, 1) + timedelta(days=n) for n in range(3 * 366)):
        days_in_quarter[quarter_block(day)] = days_in_quarter.get(quarter_block(day), 0) + 1
    for p in periods:
        blocks = [
            row["block"] for row in membership if (row["period_type"], row["period"]) == (p.period_type, p.period)
        ]
        assert sum(days_in_quarter[b] for b in blocks) == (p.end - p.start).days + 1
    assert quarter_block(date(2020, 3, 31)) + 1 == quarter_block(date(2020, 4, 1))
    assert {row["block"] for row in membership if row["period"] == "2019/20"} == {
        quarter_block(date(2019, 4, 1)) + n for n in range(4)
    }


def test_a_period_that_is_not_whole_quarters_is_refused():
    with pytest.raises(ValueError, match="whole calendar quarters"):
        block_membership([Period("rolling_12_months", "12 months to 2020-01-31", date(2019, 2, 1), date(2020, 1, 31))])


def test_lookup_and_key_index_find_matching_rows():
    source = [np.array([0, 0, 1]), np.array([2, 3, 2])]
    target = [np.array([1, 0, 5]), np.array([2, 3, 2])]
    assert lookup(target, source).tolist() == [2, 1, -1]
    assert KeyIndex(source, [6, 4]).find(target).tolist() == [2, 1, -1]


def test_key_index_finds_only_where_asked_and_takes_one_code_for_every_row():
    index = KeyIndex([np.array([0, 0, 1]), np.array([2, 3, 2])], [6, 4])
    rows = np.array([1, 0, 0])
    assert index.find([rows, 2]).tolist() == [2, 0, 0]
    assert index.find([rows, 2], where=np.array([True, False, True])).tolist() == [2, -1, 0]
    assert index.find([rows, -1]).tolist() == [-1, -1, -1]


def test_vocabulary_round_trips():
    vocab = Vocabulary()
    codes = vocab.codes(["b", "a", "b"])
    assert vocab.decode(codes).to_pylist() == ["b", "a", "b"]


def _values(rows):
    vocab = {
        k: Vocabulary()
        for k in ("indicator_id", "period_type", "period", "area_type", "area_code", "breakdown", "breakdown_value")
    }
    values = {k: vocab[k].codes(r[i] for r in rows) for i, k in enumerate(vocab)}
    values["numerator"] = np.array([r[7] for r in rows], dtype=float)
    values["denominator"] = np.array([r[8] for r in rows], dtype=float)
    return values, vocab


def test_a_lone_suppressed_breakdown_value_takes_its_smallest_sibling_with_it():
    base = ("deaths_at_home", "calendar_year", "2020", "icb", "QXX")
    values, vocab = _values(
        [
            (*base, "all", "All", 40, 100),
            (*base, "sex", "Female", 3, 50),
            (*base, "sex", "Male", 30, 45),
            (*base, "sex", "Unknown", 7 + 0, 5),
        ]
    )
    suppressed, _ = suppress(values, load_definitions(), vocab, {})
    # Female (3) and Unknown (7) are primary; two suppressed cells cannot be told apart by subtraction.
    assert suppressed.tolist() == [False, True, False, True]
    values["numerator"][3] = 10
    suppressed, primary = suppress(values, load_definitions(), vocab, {})
    # Unknown's denominator (5) is small, so it stays suppressed as primary.
    assert suppressed.tolist() == primary.tolist() == [False, True, False, True]


def test_secondary_suppression_spreads_to_sibling_areas():
    def row(area_type, area, numerator):
        return ("deaths_at_home", "calendar_year", "2020", area_type, area, "all", "All", numerator, 100)

    values, vocab = _values(
        [row("pcn", "U1", 60), row("practice", "P1", 5), row("practice", "P2", 25), row("practice", "P3", 30)]
    )
    suppressed, primary = suppress(values, load_definitions(), vocab, {"P1": "U1", "P2": "U1", "P3": "U1"})
    assert suppressed.tolist() == [False, True, True, False]
    assert primary.tolist() == [False, True, False, False]


def test_places_of_death_protect_each_other():
    def row(indicator, numerator):
        return (indicator, "calendar_year", "2020", "icb", "QXX", "all", "All", numerator, 100)

    values, vocab = _values(
        [
            row("deaths_in_hospital", 45),
            row("deaths_at_home", 30),
            row("deaths_in_care_home", 20),
            row("deaths_in_hospice", 3),
            row("deaths_elsewhere", 2),
        ]
    )
    suppressed, _ = suppress(values, load_definitions(), vocab, {})
    assert suppressed.tolist() == [False, False, False, True, True]
    values["numerator"][4] = 12
    suppressed, primary = suppress(values, load_definitions(), vocab, {})
    assert suppressed.tolist() == [False, False, False, True, True]
    assert suppressed[4] and not primary[4]


def test_recent_trend_by_indicator_type():
    periods = build_periods(date(2019, 1, 1), date(2023, 12, 31))
    years = [str(year) for year in range(2019, 2024)]

    def series(indicator, numerators, period_type="calendar_year", labels=years):
        return [
            (indicator, period_type, label, "icb", "QXX", "all", "All", n, 1000)
            for label, n in zip(labels, numerators, strict=True)
        ]

    rows = (
        series("deaths_at_home", [200, 240, 280, 320, 360])
        + series("emergency_bed_days_last_90_days", [900, 800, 700, 600, 500])
        + series("deaths_in_hospice", [50, 52, 49, 51, 50])
        + series("median_days_on_register", [40, 45, 50, 55, 60])
        + series("deaths_in_hospital", [10, 20, 30, 40], labels=years[:4])
        + series(
            "deaths_elsewhere", [5, 6], "rolling_12_months", ["12 months to 2020-12-31", "12 months to 2021-12-31"]
        )
    )
    values, vocab = _values(rows)
    values["value"] = values["numerator"] / values["denominator"]
    rate = vocab["indicator_id"].code("emergency_bed_days_last_90_days")
    is_rate = values["indicator_id"] == rate
    lower, upper = byar_interval(values["numerator"])
    values["lower_95"] = np.where(is_rate, lower / values["denominator"], np.nan)
    values["upper_95"] = np.where(is_rate, upper / values["denominator"], np.nan)
    add_trends(values, load_definitions(), vocab, periods)
    labels = [TRENDS[code] for code in values["trend"]]
    # Each series' latest year carries the trend over its five years; earlier years have too few points before them.
    assert labels[4] == "increasing" and labels[9] == "decreasing" and labels[14] == "no significant change"
    assert labels[:4] == ["not enough data"] * 4
    assert set(labels[15:20]) == {"not calculated"}  # a median has no limits to weight by
    assert labels[20:24] == ["not enough data"] * 4
    assert labels[24:] == ["not calculated"] * 2  # rolling periods overlap
    assert values["trend_p_value"][9] < 0.05 and np.isnan(values["trend_p_value"][15])
