"""The small-number disclosure policy: primary and complement suppression, and that no suppressed cell can be solved
for from what is published (differencing overlapping periods, totals minus visible cells, denominator minus
numerator), checked exactly by rank on random tables."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peolc.analytics import disclosure
from peolc.analytics.disclosure import Sum, determined, is_disclosive, primary, suppress_counts
from peolc.analytics.indicators.definitions import load_definitions
from peolc.analytics.indicators.keys import Vocabulary
from peolc.analytics.indicators.periods import build_periods
from peolc.analytics.indicators.suppression import suppress

DEFINITIONS = load_definitions()
KEYS = ("indicator_id", "period_type", "period", "area_type", "area_code", "breakdown", "breakdown_value")
PERIODS = build_periods(date(2019, 1, 1), date(2021, 12, 31))
QUARTERS = [p for p in PERIODS if p.period_type == "quarter"]


def test_the_threshold_is_one_to_seven_and_zero_is_shown():
    assert (disclosure.LOW, disclosure.HIGH) == (1, 7)
    assert [is_disclosive(n) for n in (0, 1, 7, 8, None)] == [False, True, True, False, False]


def test_a_complement_of_one_to_seven_is_suppressed():
    # 8 of 14 tells anyone that 6 did not.
    assert primary(np.array([8, 8, 8]), np.array([14, 15, 16])).tolist() == [True, True, False]
    assert primary(np.array([8]), np.array([8])).tolist() == [False]


def test_a_lone_suppressed_cell_beside_a_published_total_takes_a_partner():
    counts = [3, 20, 30, 53]
    hidden = suppress_counts(counts, [Sum(parts=[0, 1, 2], total=3)])
    assert hidden.tolist() == [True, True, False, False]


def test_a_complement_that_is_never_shown_is_protected():
    # Numerator 20 and denominator 25 published would give the complement 5.
    counts = [20, 25, 5]
    hidden = suppress_counts(counts, [Sum(parts=[0, 2], total=1)], unpublished=np.array([False, False, True]))
    assert hidden[:2].any()


def _engine_values(rows):
    vocab = {k: Vocabulary() for k in ("indicator_id", *KEYS[1:])}
    values = {k: vocab[k].codes(r[i] for r in rows) for i, k in enumerate(KEYS)}
    values["numerator"] = np.array([r[7] for r in rows], dtype=float)
    values["denominator"] = np.array([r[8] for r in rows], dtype=float)
    return values, vocab


def _series(quarterly: dict[str, list[tuple[int, int]]]):
    """Rows of every period (quarters, rolling 12 months, years) for each breakdown value's quarterly
    (numerator, complement) counts, with the all-persons rows; and each row's quarter rows."""
    rows, spans = [], []
    start = {q.period: i for i, q in enumerate(QUARTERS)}
    position = {}
    for p in PERIODS:
        members = [start[q.period] for q in QUARTERS if p.start <= q.start and q.end <= p.end]
        for value, counts in quarterly.items():
            breakdown = "all" if value == "All" else "sex"
            numerator = sum(counts[i][0] for i in members)
            denominator = numerator + sum(counts[i][1] for i in members)
            position[(p.period_type, p.period, value)] = len(rows)
            rows.append(("acp_before_death", p.period_type, p.period, "icb", "QXX", breakdown, value,
                         numerator, denominator))
            spans.append((p, value, members))
    return rows, spans, position


def _links(rows, spans, position, values: list[str]) -> np.ndarray:
    """The linear relations an attacker knows: periods are sums of their quarters, breakdowns sum to All."""
    relations = []
    for row, (p, value, members) in enumerate(spans):
        if p.period_type != "quarter":
            relation = np.zeros(len(rows))
            relation[row] = -1
            for i in members:
                relation[position[("quarter", QUARTERS[i].period, value)]] = 1
            relations.append(relation)
        if value == "All" and values:
            relation = np.zeros(len(rows))
            relation[row] = -1
            for other in values:
                relation[position[(p.period_type, p.period, other)]] = 1
            relations.append(relation)
    return np.array(relations)


def test_a_hidden_quarter_cannot_be_recovered_from_rolling_periods():
    # One quarter of 3 among quarters of 20: R(t) - R(t-1) + Q(t-4) gave it back exactly.
    counts = [(20, 30)] * len(QUARTERS)
    counts[6] = (3, 30)
    rows, spans, position = _series({"All": counts})
    values, vocab = _engine_values(rows)
    hidden, _ = suppress(values, DEFINITIONS, vocab, {})
    published = {(p.period_type, p.period): not hidden[i] for i, (p, _v, _m) in enumerate(spans)}
    q = [p.period for p in QUARTERS]
    rolling = {p.end: p.period for p in PERIODS if p.period_type == "rolling_12_months"}
    ends = [p.end for p in QUARTERS]
    # The attack needs R(t), R(t-1) and Q(t-4) published for the quarter t that is hidden.
    attack = (published[("rolling_12_months", rolling[ends[6]])] and published[("rolling_12_months", rolling[ends[5]])]
              and published[("quarter", q[2])])
    assert not published[("quarter", q[6])]
    assert not attack
    assert not determined(_links(rows, spans, position, []), hidden).any()


def test_eight_of_fourteen_is_not_published():
    rows = [("acp_before_death", "calendar_year", "2020", "icb", "QXX", "all", "All", 8, 14)]
    values, vocab = _engine_values(rows)
    hidden, primary_cells = suppress(values, DEFINITIONS, vocab, {})
    assert hidden.tolist() == primary_cells.tolist() == [True]


small = st.integers(min_value=0, max_value=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(small, small), min_size=12, max_size=12),
       st.lists(st.tuples(small, small), min_size=12, max_size=12))
def test_no_suppressed_indicator_cell_is_determined_by_what_is_published(female, male):
    """Quarters, rolling periods and years of two breakdown values and their total: every primary cell is hidden,
    and no hidden cell (numerator, denominator or complement: they share the links) follows from the rest."""
    everyone = [(f[0] + m[0], f[1] + m[1]) for f, m in zip(female, male, strict=True)]
    rows, spans, position = _series({"All": everyone, "Female": female, "Male": male})
    values, vocab = _engine_values(rows)
    hidden, _ = suppress(values, DEFINITIONS, vocab, {})
    numerator, denominator = values["numerator"], values["denominator"]
    assert hidden[primary(numerator, denominator)].all()
    links = _links(rows, spans, position, ["Female", "Male"])
    assert not determined(links, hidden).any()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=30), min_size=2, max_size=5), min_size=2, max_size=5))
def test_no_suppressed_cell_of_a_table_with_margins_is_determined(grid):
    """A two-way table with row, column and grand totals, all published unless suppressed."""
    width = min(len(r) for r in grid)
    cells = np.array([r[:width] for r in grid], dtype=float)
    height = cells.shape[0]
    counts = [*cells.ravel(), *cells.sum(axis=1), *cells.sum(axis=0), cells.sum()]
    index = np.arange(height * width).reshape(height, width)
    row_total = height * width + np.arange(height)
    column_total = height * width + height + np.arange(width)
    grand = len(counts) - 1
    sums = [Sum(parts=index[i].tolist(), total=int(row_total[i])) for i in range(height)]
    sums += [Sum(parts=index[:, j].tolist(), total=int(column_total[j])) for j in range(width)]
    sums += [Sum(parts=row_total.tolist(), total=grand), Sum(parts=column_total.tolist(), total=grand)]
    hidden = suppress_counts(counts, sums)
    assert hidden[primary(np.array(counts))].all()
    matrix = np.zeros((len(sums), len(counts)))
    for r, s in enumerate(sums):
        matrix[r, s.parts] = 1
        matrix[r, s.total] = -1
    assert not determined(matrix, hidden).any()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=6))
def test_no_complement_is_determined_by_published_numerators_and_denominators(pairs):
    """Numerator and denominator pairs that add up across groups: the complements are unpublished unknowns."""
    n = len(pairs)
    numerators = [float(a) for a, _ in pairs]
    complements = [float(b) for _, b in pairs]
    denominators = [a + b for a, b in zip(numerators, complements, strict=True)]
    # Cells: numerators, denominators, complements, then the totals of each.
    counts = [*numerators, *denominators, *complements, sum(numerators), sum(denominators), sum(complements)]
    total_n, total_d, total_c = 3 * n, 3 * n + 1, 3 * n + 2
    unpublished = np.zeros(len(counts), dtype=bool)
    unpublished[2 * n:3 * n] = unpublished[total_c] = True
    sums = [Sum(parts=[i, 2 * n + i], total=n + i) for i in range(n)]
    sums += [Sum(parts=list(range(n)), total=total_n), Sum(parts=list(range(n, 2 * n)), total=total_d),
             Sum(parts=list(range(2 * n, 3 * n)), total=total_c), Sum(parts=[total_n, total_c], total=total_d)]
    hidden = suppress_counts(counts, sums, unpublished=unpublished)
    matrix = np.zeros((len(sums), len(counts)))
    for r, s in enumerate(sums):
        matrix[r, s.parts] = 1
        matrix[r, s.total] = -1
    unknown = hidden | unpublished
    exposed = determined(matrix, unknown) & (hidden | (unpublished & primary(np.array(counts))))
    assert not exposed.any()
    assert not (hidden & unpublished).any()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.tuples(small, small), min_size=12, max_size=12), min_size=2, max_size=3))
def test_no_suppressed_practice_or_pcn_figure_is_determined(practices):
    """Practices adding up to their PCN, each over quarters, rolling periods and years."""
    start = {q.period: i for i, q in enumerate(QUARTERS)}
    areas = {f"P{i}": ("practice", counts) for i, counts in enumerate(practices)}
    areas["U1"] = ("pcn", [tuple(map(sum, zip(*quarter, strict=True))) for quarter in zip(*practices, strict=True)])
    rows, position, members_of = [], {}, {}
    for p in PERIODS:
        members = [start[q.period] for q in QUARTERS if p.start <= q.start and q.end <= p.end]
        members_of[(p.period_type, p.period)] = members
        for code, (area_type, counts) in areas.items():
            numerator = sum(counts[i][0] for i in members)
            position[(p.period_type, p.period, code)] = len(rows)
            rows.append(("acp_before_death", p.period_type, p.period, area_type, code, "all", "All", numerator,
                         numerator + sum(counts[i][1] for i in members)))
    values, vocab = _engine_values(rows)
    hidden, _ = suppress(values, DEFINITIONS, vocab, {code: "U1" for code in areas if code != "U1"})
    assert hidden[primary(values["numerator"], values["denominator"])].all()
    relations = []
    for (period_type, period, code), row in position.items():
        if period_type != "quarter":
            relation = np.zeros(len(rows))
            relation[row] = -1
            for i in members_of[(period_type, period)]:
                relation[position[("quarter", QUARTERS[i].period, code)]] = 1
            relations.append(relation)
        if code == "U1":
            relation = np.zeros(len(rows))
            relation[row] = -1
            for practice in (c for c in areas if c != "U1"):
                relation[position[(period_type, period, practice)]] = 1
            relations.append(relation)
    assert not determined(np.array(relations), hidden).any()
