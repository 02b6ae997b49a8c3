"""The heavy half of the engine, in Ibis: numerators and denominators per indicator × period × area × breakdown.

Each cohort is aggregated once for every area level and breakdown it is needed for, with every measure (a filtered
count, sum or median) of every indicator on that cohort computed in the same pass. Measures shared by several
indicators (all deaths is the denominator of ten of them) are computed once. The result is small: one row per cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from peolc.analytics.indicators.cohorts import AREA_COLUMNS
from peolc.analytics.indicators.definitions import Count

ALL = "All"
KEY_COLUMNS = ("period_type", "period", "area_type", "area_code", "breakdown", "breakdown_value")


def predicate(table: ir.Table, where: tuple[tuple[str, str, object], ...]) -> ir.BooleanValue | None:
    """The conjunction of a definition's conditions on a cohort's columns (None when there are none)."""
    parts = [_condition(table[column], operator, value) for column, operator, value in where]
    return ibis.and_(*parts) if parts else None


def _condition(c: ir.Value, operator: str, value: object) -> ir.BooleanValue:
    if operator == "eq":
        return c == value
    if operator == "ne":
        return c != value
    if operator in ("in", "not_in"):
        inside = c.isin(list(value))  # type: ignore[call-overload]
        return inside if operator == "in" else ~inside
    if operator == "lt":
        return c < value
    if operator == "le":
        return c <= value
    if operator == "gt":
        return c > value
    if operator == "ge":
        return c >= value
    if operator == "is_true":
        return c
    if operator == "is_false":
        return ~c
    if operator == "not_null":
        return c.notnull()
    raise ValueError(f"unknown operator {operator!r}")


def measure_key(count: Count) -> str:
    """A stable name for what a numerator or denominator computes, so identical ones are computed once."""
    kind = f"median:{count.median}" if count.median else f"sum:{count.sum}" if count.sum else "count"
    return f"{kind}|{sorted(map(repr, count.where))}"


@dataclass
class CohortPlan:
    """What to compute on one cohort: its measures and the area levels, breakdowns and period types wanted."""

    measures: dict[str, Count] = field(default_factory=dict)
    breakdowns: set[str] = field(default_factory=set)
    period_types: set[str] = field(default_factory=set)

    def add(self, count: Count, breakdowns: tuple[str, ...], period_types: tuple[str, ...]) -> str:
        key = measure_key(count)
        self.measures.setdefault(key, count)
        self.breakdowns.update(breakdowns)
        self.period_types.update(period_types)
        return key


def _aggregates(table: ir.Table, plan: CohortPlan, medians: bool) -> dict[str, ir.Value]:
    """The plan's median measures (``medians``) or its additive ones (counts and sums), named as in the result."""
    names = {}
    for index, (_key, count) in enumerate(sorted(plan.measures.items())):
        if bool(count.median) != medians:
            continue
        where = predicate(table, count.where)
        if count.median:
            # Nulls are left out of a median; Spark cannot take a filter on its percentile function.
            column = table[count.median]
            value = (column if where is None else ibis.ifelse(where, column, ibis.null(column.type()))).median()
        elif count.sum:
            value = table[count.sum].sum(where=where).cast("float64")
        elif "people" in table.columns:
            # A pre-counted cohort (the population): add up its counts.
            value = table.people.sum(where=where).cast("float64")
        else:
            value = table.patient_id.count(where=where).cast("float64")
        names[f"m{index}"] = value
    return names


def measure_columns(plan: CohortPlan) -> dict[str, str]:
    """Measure key → its column name in the aggregated result."""
    return {key: f"m{index}" for index, key in enumerate(sorted(plan.measures))}


def aggregate(
    con: BaseBackend,
    cohort: ir.Table,
    plan: CohortPlan,
    area_breakdowns: dict[str, tuple[str, ...]],
    strata: str | None = None,
    blocks: ir.Table | None = None,
) -> pa.Table:
    """One row per period × area × breakdown value (× stratum, when ``strata`` names a column), every measure a column.

    ``area_breakdowns`` says which breakdowns each area level gets (all of them by default; a national run may keep
    practice-level figures to all persons only). The cohort either has a row per period (``period_type`` and
    ``period`` columns) or, with ``blocks``, a row per person and the quarter its date falls in (``block``), and
    ``blocks`` says which periods each quarter belongs to (:func:`.periods.block_membership`).
    """
    if blocks is not None:
        blocks = blocks.filter(blocks.period_type.isin(sorted(plan.period_types)))
    else:
        cohort = cohort.filter(cohort.period_type.isin(sorted(plan.period_types)))
    levels = {
        breakdown: [a for a in AREA_COLUMNS if breakdown in area_breakdowns[a]] for breakdown in sorted(plan.breakdowns)
    }
    levels = {breakdown: wanted for breakdown, wanted in levels.items() if wanted}
    if not levels:
        return pa.table({})
    keys = [*KEY_COLUMNS, *([strata] if strata else [])]
    additive = _additive(cohort, plan, levels, keys, blocks)
    medians = _medians(cohort, plan, levels, keys, blocks, every_cell=additive is None)
    if additive is None or medians is None:
        result = additive if medians is None else medians
    else:
        # Medians are taken over the rows with a value only; a cell with none gets a null median from the left join.
        joined = additive.left_join(medians, keys)
        result = joined.select(
            *(additive[c] for c in additive.columns), *(medians[c] for c in medians.columns if c not in keys)
        )
    return con.to_pyarrow(result)


def _additive(
    cohort: ir.Table, plan: CohortPlan, levels: dict[str, list[str]], keys: list[str], blocks: ir.Table | None
) -> ir.Table | None:
    """Counts and sums: each breakdown grouped once, at the finest area level that wants it (and per quarter, with
    ``blocks``), then added up to the coarser levels (practices make PCNs, PCNs localities, localities the ICB) and
    from quarters to the periods they make.

    Grouping the cohort once per breakdown rather than once per (area level, breakdown) pair, and never once per
    period, leaves the large grouping a single pass per breakdown; the adding up works on its small result.
    """
    if all(count.median for count in plan.measures.values()):
        return None
    order = list(AREA_COLUMNS)
    measures = _aggregates(cohort, plan, medians=False)
    cell = [key for key in keys if key not in ("area_type", "area_code")]
    when = ["block"] if blocks is not None else ["period_type", "period"]
    within = [key for key in cell if key not in ("period_type", "period", "breakdown", "breakdown_value")]
    parts = []
    for breakdown, wanted in levels.items():
        # Grouped at the finest level wanted; the finer area columns are blank, so those rows add up only upwards.
        finest = order.index(wanted[-1])
        areas = [column for area, column in AREA_COLUMNS.items() if order.index(area) <= finest]
        value = ibis.literal(ALL) if breakdown == "all" else cohort[breakdown]
        part = cohort.group_by([*when, *within, *areas, value.name("breakdown_value")]).aggregate(**measures)
        blank = {column: ibis.null("string") for column in AREA_COLUMNS.values() if column not in areas}
        parts.append(
            part.mutate(breakdown=ibis.literal(breakdown), **blank).select(
                *when, *within, *AREA_COLUMNS.values(), "breakdown", "breakdown_value", *measures
            )
        )
    base = ibis.union(*parts) if len(parts) > 1 else parts[0]
    if blocks is not None:
        base = base.join(blocks, "block")
    rolled = []
    for area, column in AREA_COLUMNS.items():
        wanted = [breakdown for breakdown, at in levels.items() if area in at]
        if wanted:
            rows = base.filter(base.breakdown.isin(wanted))
            level = rows.group_by([*cell, rows[column].name("area_code")]).aggregate(
                **{name: rows[name].sum() for name in measures}
            )
            rolled.append(level.mutate(area_type=ibis.literal(area)).select(*keys, *measures))
    return ibis.union(*rolled) if len(rolled) > 1 else rolled[0]


def _medians(
    cohort: ir.Table,
    plan: CohortPlan,
    levels: dict[str, list[str]],
    keys: list[str],
    blocks: ir.Table | None,
    every_cell: bool,
) -> ir.Table | None:
    """Medians, which cannot be added up: one grouping of the cohort's rows per (area level, breakdown) pair.

    Unless ``every_cell`` is asked for (there are no counts to make the cells), only rows that have a value for some
    median take part. Each pair is its own plain grouping (no fanned-out copy of the rows with computed keys), which
    the backend runs in a third of the time.
    """
    medians = [count for count in plan.measures.values() if count.median]
    if not medians:
        return None
    if not every_cell:
        with_value = [cohort[count.median].notnull() for count in medians]
        cohort = cohort.filter(
            ibis.or_(
                *(
                    has if (where := predicate(cohort, count.where)) is None else has & where
                    for has, count in zip(with_value, medians, strict=True)
                )
            )
        )
    if blocks is not None:
        cohort = cohort.join(blocks, "block")
    measures = _aggregates(cohort, plan, medians=True)
    within = [key for key in keys if key not in ("area_type", "area_code", "breakdown", "breakdown_value")]
    parts = []
    for breakdown, at in levels.items():
        value = ibis.literal(ALL) if breakdown == "all" else cohort[breakdown]
        for area in at:
            grouped = cohort.group_by(
                [*within, cohort[AREA_COLUMNS[area]].name("area_code"), value.name("breakdown_value")]
            ).aggregate(**measures)
            parts.append(
                grouped.mutate(area_type=ibis.literal(area), breakdown=ibis.literal(breakdown)).select(*keys, *measures)
            )
    return ibis.union(*parts) if len(parts) > 1 else parts[0]
