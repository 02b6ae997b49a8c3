"""Plain-English findings for the health-equity audit, generated from the numbers.

A finding is made only where the 95% confidence interval of a group's value excludes the comparator (the same
area's value for everyone, or the ICB's value for a locality), so every sentence is backed by a significant
difference, and it quotes the count, denominator and interval it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass

from peolc.outcomes import models as m
from peolc.outcomes.queries import BREAKDOWN_LABELS


@dataclass(frozen=True)
class Finding:
    dimension: str
    text: str
    favourable: bool | None  # None when the indicator has no better or worse direction


def _figure(value: float, unit: str) -> str:
    return f"{value:.1f}%" if unit == "%" else f"{value:,.1f} {unit}"


def _interval(row: m.IndicatorValue, unit: str) -> str:
    assert row.lower_95 is not None and row.upper_95 is not None  # a significant difference has an interval
    return f"95% CI {_figure(row.lower_95, unit)} to {_figure(row.upper_95, unit)}"


def _count(row: m.IndicatorValue) -> str:
    if row.numerator is None or row.denominator is None:
        return ""
    return f"; {row.numerator:,.0f} of {row.denominator:,.0f}"


def _direction(row: m.IndicatorValue, indicator: m.Indicator) -> tuple[str, bool | None]:
    assert row.value is not None  # only rows with a value are compared
    higher = row.value > (row.benchmark_value or 0)
    word = "higher" if higher else "lower"
    if indicator.polarity == "higher_is_better":
        return word, higher
    if indicator.polarity == "lower_is_better":
        return word, not higher
    return word, None


def breakdown_findings(indicator: m.Indicator, rows: list[m.IndicatorValue], area_name: str) -> list[Finding]:
    """Groups whose value differs significantly from everyone in the same area."""
    findings = []
    for row in rows:
        if row.breakdown == "all" or row.value is None or row.benchmark_value is None:
            continue
        if row.comparison not in {"better", "worse", "higher", "lower"}:
            continue
        word, favourable = _direction(row, indicator)
        group = f"{BREAKDOWN_LABELS.get(row.breakdown, row.breakdown).lower()} {row.breakdown_value}"
        findings.append(Finding(
            row.breakdown,
            f"{indicator.title}: significantly {word} for {group} ({_figure(row.value, indicator.unit)}, "
            f"{_interval(row, indicator.unit)}{_count(row)}) than for everyone in {area_name} "
            f"({_figure(row.benchmark_value, indicator.unit)}).",
            favourable,
        ))
    return findings


def area_findings(indicator: m.Indicator, rows: list[m.IndicatorValue]) -> list[Finding]:
    """Areas whose value differs significantly from the ICB's."""
    findings = []
    for row in rows:
        if row.value is None or row.benchmark_value is None or row.comparison not in {"better", "worse", "higher",
                                                                                       "lower"}:
            continue
        word, favourable = _direction(row, indicator)
        findings.append(Finding(
            row.area_type,
            f"{indicator.title}: significantly {word} in {row.area_name} ({_figure(row.value, indicator.unit)}, "
            f"{_interval(row, indicator.unit)}{_count(row)}) than in the ICB "
            f"({_figure(row.benchmark_value, indicator.unit)}).",
            favourable,
        ))
    return findings


def inequality_finding(indicator: m.Indicator, inequality: m.Inequality | None) -> Finding | None:
    """The deprivation gradient, when its interval excludes zero."""
    if inequality is None or inequality.sii_value is None or inequality.sii_interval is None:
        return None
    lower, upper = inequality.sii_interval
    sii = inequality.sii_value
    if lower <= 0 <= upper:
        return None
    unit = "percentage points" if indicator.unit == "%" else indicator.unit
    direction = "higher" if sii > 0 else "lower"
    favourable = None
    if indicator.polarity != "no_judgement":
        favourable = (sii > 0) == (indicator.polarity == "higher_is_better")
    return Finding(
        "imd_quintile",
        f"{indicator.title}: {abs(sii):.1f} {unit} {direction} in the least deprived areas than in the "
        f"most deprived (slope index of inequality {sii:.1f}, 95% CI {lower:.1f} to {upper:.1f}).",
        favourable,
    )
