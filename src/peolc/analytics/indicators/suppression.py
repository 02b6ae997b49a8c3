"""Small-number suppression of indicator values: the policy of :mod:`peolc.analytics.disclosure`, vectorised.

Primary: a cell whose count is 1 to 7 (the numerator; for a median, the number of people), whose denominator is 1
to 7 (proportions, rates, medians) or, for a proportion, whose complement ``denominator - numerator`` is 1 to 7 is
suppressed. Zero is shown: it reveals nothing about a person. Secondary, in two layers:

* **Partitions.** Wherever cells add up to a published total, a lone suppressed cell could be recovered by
  subtraction, so the smallest other cell in that partition is suppressed too; and a suppressed total whose cells
  are all published would be their sum, so its smallest cell is suppressed. The partitions are the breakdown
  values of one breakdown (adding up to the all-persons row), the child areas of one parent (practices in a PCN,
  PCNs in a locality, localities in the ICB), and the indicators of one ``complement_group`` (the five places of
  death add up to all deaths).
* **Overlapping periods.** Every rolling 12-month period and year is the sum of the quarters it spans, so
  ``R(t) - R(t-1) + Q(t-4)`` would give a quarter exactly, and a suppressed period would be the sum of its published
  quarters. So a series (one indicator, area and breakdown value over time) with any suppressed figure has all its
  quarters suppressed: the published periods then only fix sums of four consecutive unknown quarters, which
  determine no single quarter and no suppressed period. Rolling periods and years, the figures most read, keep
  their own primary and partition rules. (Indicators counted at a period's midpoint do not add up over quarters;
  for them the rule suppresses more than it needs to, never less.)

Both layers are repeated until nothing changes. The property tests in ``tests/unit/analytics/test_disclosure.py``
check by rank that no suppressed cell is determined by the published cells and their sums.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from peolc.analytics.disclosure import HIGH, LOW
from peolc.analytics.indicators.definitions import Definition
from peolc.analytics.indicators.keys import KeyIndex, Vocabulary, group_ids

MAX_PASSES = 50
KEY_NAMES = ("indicator_id", "period_type", "period", "area_type", "area_code", "breakdown", "breakdown_value")


def suppress(
    values: dict[str, np.ndarray],
    chosen: Sequence[Definition],
    vocab: dict[str, Vocabulary],
    parents: dict[str, str] | None = None,
    index: KeyIndex | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(suppressed, primary)`` masks for the rows of ``values``; secondary is ``suppressed & ~primary``.

    ``index`` is an index of the rows on their full key built after :func:`prepare_vocabulary` (the engine shares the
    one its benchmarks use); without it one is built here.
    """
    ind = values["indicator_id"]
    kind = {vocab["indicator_id"].code(d.id): d.type for d in chosen}
    is_median = np.isin(ind, [c for c, t in kind.items() if t == "median"])
    count = np.nan_to_num(np.where(is_median, values["denominator"], values["numerator"]))
    denominator = np.nan_to_num(values["denominator"])
    primary = (count >= LOW) & (count <= HIGH)
    # A proportion, rate or median over a tiny group is disclosive too, whatever its numerator.
    counted = np.isin(ind, [c for c, t in kind.items() if t in ("proportion", "rate", "median")])
    primary |= counted & (denominator >= LOW) & (denominator <= HIGH)
    # A proportion's complement is a count of people too: 8 of 14 says that 6 did not.
    rest = denominator - count
    is_proportion = np.isin(ind, [c for c, t in kind.items() if t == "proportion"])
    primary |= is_proportion & (rest >= LOW) & (rest <= HIGH)
    suppressed = primary.copy()
    if index is None:
        prepare_vocabulary(vocab, parents or {})
        index = KeyIndex([values[k] for k in KEY_NAMES], [len(vocab[k].strings) + 8 for k in KEY_NAMES])
    # Each partition's member rows (in row order) and their partition ids, found once for every pass.
    partitions = [
        (rows, ids[rows], totals)
        for ids, totals in _partitions(values, chosen, vocab, parents or {}, index)
        if (rows := np.flatnonzero(ids >= 0)).size
    ]
    # Each row's series: the same indicator, area and breakdown value over every period.
    series = group_ids([values[k] for k in KEY_NAMES if k not in ("period_type", "period")])
    is_quarter = values["period_type"] == vocab["period_type"].code("quarter")
    for _ in range(MAX_PASSES):
        changed = False
        for rows, ids, totals in partitions:
            changed |= _secondary(suppressed, count, rows, ids, totals)
        changed |= _withhold_quarters(suppressed, series, is_quarter)
        if not changed:
            break
    return suppressed, primary


def _withhold_quarters(suppressed: np.ndarray, series: np.ndarray, is_quarter: np.ndarray) -> bool:
    """Suppress every quarter of each series with any suppressed figure; whether anything changed.

    Rolling periods and years are sums of quarters: with some quarters published, differences of periods (``R(t) -
    R(t-1) + Q(t-4)``) or a period less its published quarters give a suppressed figure back. With none published,
    the periods only fix sums of four consecutive quarters, which leave every single quarter free.
    """
    if not is_quarter.any():
        return False
    hidden_series = np.bincount(series, weights=suppressed, minlength=int(series.max()) + 1) > 0
    newly = is_quarter & hidden_series[series] & ~suppressed
    suppressed[newly] = True
    return bool(newly.any())


def prepare_vocabulary(vocab: dict[str, Vocabulary], parents: dict[str, str]) -> None:
    """Add the codes the partitions make up (parents, the quarter period type) to the vocabularies, so a key
    index's widths cover them."""
    vocab["breakdown"].code("all")
    vocab["breakdown_value"].code("All")
    vocab["period_type"].code("quarter")
    for name in ("practice", "pcn", "locality", "icb"):
        vocab["area_type"].code(name)
    for parent in parents.values():
        vocab["area_code"].code(parent)


def _partitions(
    values: dict[str, np.ndarray],
    chosen: Sequence[Definition],
    vocab: dict[str, Vocabulary],
    parents: dict[str, str],
    index: KeyIndex,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each partition as (partition id per row, -1 where the row is in none; index of the partition's total row)."""
    v = values
    ind, ptype, period = v["indicator_id"], v["period_type"], v["period"]
    atype, area, breakdown, group = v["area_type"], v["area_code"], v["breakdown"], v["breakdown_value"]
    prepare_vocabulary(vocab, parents)
    found = []
    # Breakdown values within the all-persons row.
    all_breakdown = vocab["breakdown"].code("all")
    is_breakdown = breakdown != all_breakdown
    everyone = [all_breakdown, vocab["breakdown_value"].code("All")]
    total = index.find([ind, ptype, period, atype, area, *everyone], where=is_breakdown)
    found.append(_ids(total, is_breakdown, within=breakdown))
    # Child areas within their parent area.
    type_parent = np.full(len(vocab["area_type"].strings) + 4, -1, dtype=np.int64)
    for child, parent in (("practice", "pcn"), ("pcn", "locality"), ("locality", "icb")):
        type_parent[vocab["area_type"].code(child)] = vocab["area_type"].code(parent)
    area_parent = np.array(
        [vocab["area_code"].code(parents[c]) if c in parents else -1 for c in list(vocab["area_code"].strings)],
        dtype=np.int64,
    )
    parent_type, parent_area = type_parent[atype], area_parent[area]
    total = index.find([ind, ptype, period, parent_type, parent_area, breakdown, group], where=parent_area >= 0)
    found.append(_ids(total, parent_area >= 0))
    # Indicators that partition a shared denominator: their total is that denominator, always published.
    groups = {vocab["indicator_id"].code(d.id): d.suppression.get("complement_group") for d in chosen}
    named = sorted({g for g in groups.values() if g})
    complement = np.full(len(vocab["indicator_id"].strings), -1, dtype=np.int64)
    for code, group_name in groups.items():
        if group_name:
            complement[code] = named.index(group_name)
    member_group = complement[ind]
    if (member_group >= 0).any():
        ids = group_ids([member_group, ptype, period, atype, area, breakdown, group])
        ids = np.where(member_group >= 0, ids, -1)
        found.append((ids, np.full(int(ids.max()) + 1, -2, dtype=np.int64)))
    return found


def _ids(
    total_row: np.ndarray, is_member: np.ndarray, within: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Partition ids (-1 outside any) and each partition's total row.

    A partition is the rows that add up to one total row, so rows sharing a total row share an id; an all-persons
    row totals one partition per breakdown, told apart by ``within``. Numbering the total rows in row order needs
    no sort.
    """
    member = is_member & (total_row >= 0)
    is_total = np.zeros(total_row.size, dtype=bool)
    is_total[total_row[member]] = True
    number = np.cumsum(is_total) - 1
    width = int(within.max()) + 1 if within is not None and within.size else 1
    ids = number[np.maximum(total_row, 0)] * width + (within if within is not None else 0)
    ids = np.where(member, ids, -1)
    totals = np.full(int(is_total.sum()) * width, -1, dtype=np.int64)
    totals[ids[member]] = total_row[member]
    return ids, totals


def _secondary(
    suppressed: np.ndarray, count: np.ndarray, rows: np.ndarray, ids: np.ndarray, totals: np.ndarray
) -> bool:
    """Suppress one more cell in every partition with exactly one suppressed cell and a published total, or with a
    suppressed total and no suppressed cell.

    ``rows`` are the partitions' member rows in row order and ``ids`` their partition ids.
    """
    hidden = np.bincount(ids, weights=suppressed[rows], minlength=totals.size)
    # -2 marks a total that is always published (a shared denominator); -1 would be a missing total.
    total_published = np.where(totals == -2, True, np.where(totals >= 0, ~suppressed[np.maximum(totals, 0)], False))
    # A suppressed total whose cells are all published is their sum.
    total_hidden = (totals >= 0) & suppressed[np.maximum(totals, 0)]
    exposed = ((hidden == 1) & total_published) | ((hidden == 0) & total_hidden)
    pick = exposed[ids] & ~suppressed[rows]
    candidates, candidate_ids = rows[pick], ids[pick]
    if not candidates.size:
        return False
    # Prefer the smallest non-zero count: pairing with an empty group would expose the value to anyone who knows
    # that group is empty.
    rank = np.where(count[candidates] > 0, count[candidates], np.inf)
    order = np.lexsort((rank, candidate_ids))
    ordered, ordered_ids = candidates[order], candidate_ids[order]
    first = np.ones(ordered.size, dtype=bool)
    first[1:] = ordered_ids[1:] != ordered_ids[:-1]
    suppressed[ordered[first]] = True
    return True
