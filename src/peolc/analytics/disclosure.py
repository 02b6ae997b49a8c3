"""Small-number disclosure control: the one policy every aggregate figure goes through.

Every page, CSV and output that publishes counts of people (or figures made from them) applies this policy before an
aggregate-only user sees it; the indicators engine applies the same rules, vectorised, in
:mod:`peolc.analytics.indicators.suppression`. The policy (``docs/statistical-methods.md``, "Small-number
suppression"):

* **Primary**: a count from :data:`LOW` to :data:`HIGH` (1 to 7) is suppressed. Zero is shown: it says no one has
  the attribute, which singles no one out. For a count of people out of a published total (a proportion), a
  complement ``total - count`` of 1 to 7 is suppressed too: "8 of 14" says 6 did not. A figure made from a
  suppressed count (a percentage, a rate, a ratio, an index of inequality) is suppressed with it.
* **Secondary**: wherever published figures are linked by a sum (breakdown values adding up to a total, child areas
  to their parent, quarters to the periods that contain them), more cells are suppressed until no suppressed cell
  is determined exactly by what is published. :func:`suppress_counts` checks that exactly, by linear algebra, for
  tables of any shape small enough for a page (thousands of cells).

Nothing here imports Django: the pipeline and the web app share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LOW, HIGH = 1, 7
"""Counts from ``LOW`` to ``HIGH`` inclusive are suppressed (NHS England and ONS practice for health data)."""
SUPPRESSED = "[c]"
"""What a suppressed cell shows in place of its figure: the Government Statistical Service's symbol for
"confidential"."""
_TOLERANCE = 1e-9


def is_disclosive(count: float | None) -> bool:
    """Whether ``count`` people is too few to publish (1 to 7); zero and unknown counts are not."""
    return count is not None and LOW <= count <= HIGH


def primary(counts: np.ndarray, totals: np.ndarray | None = None) -> np.ndarray:
    """Cells to suppress on their own figures: counts of 1 to 7, and, given each count's total (a proportion's
    denominator), counts whose complement ``total - count`` is 1 to 7 or whose total is 1 to 7."""
    counts = np.nan_to_num(np.asarray(counts, dtype=float))
    hidden = (counts >= LOW) & (counts <= HIGH)
    if totals is not None:
        totals = np.nan_to_num(np.asarray(totals, dtype=float))
        rest = totals - counts
        hidden |= ((rest >= LOW) & (rest <= HIGH)) | ((totals >= LOW) & (totals <= HIGH))
    return hidden


@dataclass(frozen=True)
class Sum:
    """Published figures linked by a sum: the cells ``parts`` add up to the cell ``total``.

    ``total=None`` means the total is published elsewhere and can never be hidden (for example a denominator
    shared by a complement group). A total that is not published at all is a cell marked unpublished in
    :func:`suppress_counts`.
    """

    parts: Sequence[int]
    total: int | None = None


def suppress_counts(
    counts: Sequence[float] | np.ndarray,
    sums: Sequence[Sum] = (),
    *,
    hidden: np.ndarray | None = None,
    unpublished: np.ndarray | None = None,
) -> np.ndarray:
    """Which cells of a table to suppress: primary counts of 1 to 7 (and cells already in ``hidden``, such as those
    failing a complement test), then secondary cells until no suppressed cell can be solved for.

    ``counts`` are the cells' counts and ``sums`` the links between them. ``unpublished`` cells are never shown but
    follow from the others (a complement ``denominator - numerator``, a total nobody prints): they are unknowns to
    an attacker, and protected like a suppressed cell when their own count is 1 to 7. Secondary cells are the
    smallest non-zero published count in a link (pairing with a zero would expose the value to anyone who knows
    that cell is empty). The result is checked exactly: no suppressed cell, and no unpublished cell of 1 to 7, is
    determined by the published cells and the sums. Returns the mask of published cells to suppress.
    """
    count = np.nan_to_num(np.asarray(counts, dtype=float))
    size = count.size
    never = np.zeros(size, dtype=bool) if unpublished is None else np.asarray(unpublished, dtype=bool)
    suppressed = primary(count) & ~never
    if hidden is not None:
        suppressed |= np.asarray(hidden, dtype=bool) & ~never
    links = [(np.asarray(s.parts, dtype=np.int64), s.total) for s in sums]
    matrix = np.zeros((len(links), size))
    for row, (parts, total) in enumerate(links):
        matrix[row, parts] = 1.0
        if total is not None:
            matrix[row, total] = -1.0
    cells_of = [np.flatnonzero(row) for row in matrix]
    disclosive_unpublished = never & primary(count)
    while True:
        unknown = suppressed | never
        # Cheap passes first: a link with exactly one unknown cell gives it away by subtraction.
        changed = True
        while changed:
            changed = False
            for cells in cells_of:
                alone = cells[unknown[cells]]
                if alone.size == 1 and (suppressed | disclosive_unpublished)[alone[0]] and (~unknown[cells]).any():
                    _hide_partner(suppressed, unknown, count, cells)
                    changed = True
        exposed = determined(matrix, unknown) & (suppressed | disclosive_unpublished)
        if not exposed.any():
            return suppressed
        # Still determined by several links together: widen the suppression in a link of that cell.
        cell = int(np.flatnonzero(exposed)[0])
        link = next(r for r in np.flatnonzero(matrix[:, cell]) if (~unknown[cells_of[r]]).any())
        _hide_partner(suppressed, unknown, count, cells_of[link])


def _hide_partner(suppressed: np.ndarray, unknown: np.ndarray, count: np.ndarray, cells: np.ndarray) -> None:
    """Suppress the published cell among ``cells`` with the smallest non-zero count (a zero only if none)."""
    candidates = cells[~unknown[cells]]
    rank = np.where(count[candidates] > 0, count[candidates], np.inf)
    chosen = candidates[np.argmin(rank)]
    suppressed[chosen] = unknown[chosen] = True


def determined(matrix: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Unknown cells whose value follows exactly from the other (published) cells and the links ``matrix @ x = 0``.

    Published cells move to the right-hand side, so an unknown cell ``j`` is determined exactly when every solution
    of the homogeneous system on the unknown cells has ``x_j = 0``: when the null space of their columns is zero in
    row ``j``.
    """
    columns = np.flatnonzero(unknown)
    result = np.zeros(unknown.size, dtype=bool)
    if not columns.size:
        return result
    linked = matrix[:, columns]
    linked = linked[np.abs(linked).sum(axis=1) > 0]
    if not linked.size:
        return result
    _, singular, vt = np.linalg.svd(linked)
    rank = int((singular > _TOLERANCE * max(linked.shape) * (singular[0] if singular.size else 1)).sum())
    null = vt[rank:]
    result[columns] = np.all(np.abs(null) < 1e-8, axis=0) if null.size else True
    return result


def mask(values: Sequence[object], suppressed: Sequence[bool] | np.ndarray) -> list[object]:
    """``values`` with every suppressed one replaced by :data:`SUPPRESSED`."""
    return [SUPPRESSED if hide else value for value, hide in zip(values, suppressed, strict=True)]
