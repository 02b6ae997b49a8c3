"""Reporting periods: calendar and financial years, calendar quarters and rolling 12 months, complete ones only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa


@dataclass(frozen=True)
class Period:
    """One reporting period: ``period`` is its label, unique within ``period_type``."""

    period_type: str
    period: str
    start: date
    end: date

    @property
    def midpoint(self) -> date:
        """The middle day (population and register counts are taken on it, like a mid-year estimate)."""
        return self.start + (self.end - self.start) / 2

    @property
    def years(self) -> float:
        """Length in years, to annualise counts (365.25 days a year)."""
        return ((self.end - self.start).days + 1) / 365.25

    @property
    def order(self) -> int:
        """A sortable number for the period's end (months since year 0) so series sort in time order."""
        return self.end.year * 12 + self.end.month


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def build_periods(first: date, last: date) -> list[Period]:
    """Every complete period lying wholly within ``first``..``last`` (inclusive), in type then time order.

    Rolling 12 months end at each calendar quarter's end, so they line up with the quarters on a chart.
    """
    periods: list[Period] = []
    for year in range(first.year, last.year + 1):
        periods.append(Period("calendar_year", str(year), date(year, 1, 1), date(year, 12, 31)))
    for year in range(first.year - 1, last.year + 1):
        periods.append(
            Period("financial_year", f"{year}/{(year + 1) % 100:02d}", date(year, 4, 1), date(year + 1, 3, 31))
        )
    for year in range(first.year, last.year + 1):
        for quarter in range(1, 5):
            start = date(year, 3 * quarter - 2, 1)
            periods.append(Period("quarter", f"{year} Q{quarter}", start, _month_end(year, 3 * quarter)))
    for year in range(first.year, last.year + 2):
        for quarter in range(1, 5):
            end = _month_end(year, 3 * quarter)
            start = _month_end(end.year - 1, end.month) + timedelta(days=1)
            periods.append(Period("rolling_12_months", f"12 months to {end.isoformat()}", start, end))
    return [p for p in periods if p.start >= first and p.end <= last]


def quarter_block(day: date) -> int:
    """The calendar quarter a day falls in as one integer (year × 4 + quarter − 1): the block periods are made of."""
    return day.year * 4 + (day.month - 1) // 3


def block_membership(periods: list[Period]) -> pa.Table:
    """Each period as the quarters it is made of (``block``, ``period_type``, ``period``), a row per quarter.

    Years, financial years, quarters and rolling 12 months ending at a quarter's end are all whole quarters, so a
    count over a period is the sum of its quarters' counts: a cohort can be counted once per quarter and added up.
    """
    rows: dict[str, list] = {"block": [], "period_type": [], "period": []}
    for p in periods:
        first, last = quarter_block(p.start), quarter_block(p.end)
        whole = p.start == _quarter_start(first) and p.end == _quarter_start(last + 1) - timedelta(days=1)
        if not whole:
            raise ValueError(f"period {p.period} is not made of whole calendar quarters")
        for block in range(first, last + 1):
            rows["block"].append(block)
            rows["period_type"].append(p.period_type)
            rows["period"].append(p.period)
    return pa.table({"block": pa.array(rows["block"], pa.int64()), **{k: rows[k] for k in ("period_type", "period")}})


def _quarter_start(block: int) -> date:
    return date(block // 4, block % 4 * 3 + 1, 1)


def periods_table(periods: list[Period]) -> pa.Table:
    """The periods as an Arrow table (period_type, period, period_start, period_end, midpoint, years)."""
    return pa.table(
        {
            "period_type": [p.period_type for p in periods],
            "period": [p.period for p in periods],
            "period_start": pa.array([p.start for p in periods], pa.date32()),
            "period_end": pa.array([p.end for p in periods], pa.date32()),
            "midpoint": pa.array([p.midpoint for p in periods], pa.date32()),
            "years": [p.years for p in periods],
        }
    )
