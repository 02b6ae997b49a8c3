"""Vectorised keys over the aggregated result: strings become integer codes once, then keys are integer arithmetic.

The result holds millions of rows for a large area, so benchmarks, trends, suppression partitions and inequality
groups are matched with integer keys and sorted look-ups rather than Python loops over tuples of strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class Vocabulary:
    """A growing string ↔ int32 code table shared by every key column of one engine run."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self.strings: list[str] = []

    def code(self, text: str) -> int:
        """The code of one string, adding it if new."""
        found = self._codes.get(text)
        if found is None:
            found = self._codes[text] = len(self.strings)
            self.strings.append(text)
        return found

    def codes(self, texts: Iterable[str]) -> np.ndarray:
        """Codes of many strings (a Python iterable; use :meth:`encode` for Arrow columns)."""
        return np.fromiter((self.code(t) for t in texts), dtype=np.int32)

    def encode(self, column: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Codes for an Arrow string column: hash-encoded in Arrow, only its distinct values touch Python."""
        encoded = pc.dictionary_encode(pa.chunked_array([column]) if isinstance(column, pa.Array) else column)
        combined = encoded.combine_chunks() if encoded.num_chunks != 1 else encoded.chunk(0)
        if combined.null_count:
            raise ValueError("key columns must not hold nulls")
        mapping = self.codes(str(s) for s in combined.dictionary.to_pylist())
        return mapping[combined.indices.to_numpy(zero_copy_only=False)]

    def decode(self, codes: np.ndarray) -> pa.Array:
        """An Arrow string column from codes."""
        return decode(codes, self.strings)


def decode(codes: np.ndarray, strings: Sequence[str], hidden: np.ndarray | None = None) -> pa.Array:
    """A string column from integer codes into ``strings``, null where the code is -1 or ``hidden`` is true.

    The column is dictionary-encoded, the codes becoming its indices without a copy of any string: a national result
    has tens of millions of labels drawn from a few thousand strings. Parquet stores it the same way, and readers get
    strings from it (``to_pylist``, DuckDB, pandas categories).
    """
    null = codes < 0 if hidden is None else (codes < 0) | hidden
    indices = pa.array(codes, pa.int32(), mask=null if null.any() else None)
    return pa.DictionaryArray.from_arrays(indices, pa.array(strings, pa.string()))


def joint_codes(columns: Sequence[np.ndarray]) -> np.ndarray:
    """One int64 per row that is equal exactly when every (integer, non-negative or -1) column is equal."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    span = 1
    for column in columns:
        column = np.asarray(column, dtype=np.int64)
        width = int(column.max()) + 2 if column.size else 1
        if span * width >= 2**62:
            # Renumber the key so far densely before it could overflow.
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)
            span = int(key.max()) + 1 if key.size else 1
        key = key * width + (column + 1)
        span *= width
    return key


class KeyIndex:
    """A sorted composite key over source rows, built once and searched many times.

    ``widths`` bound each column's codes (the vocabulary sizes), so targets encode the same way as the source without
    re-encoding both together.
    """

    def __init__(self, columns: Sequence[np.ndarray], widths: Sequence[int]) -> None:
        self.widths = [int(w) + 1 for w in widths]
        keys = self._encode(columns)
        self.order = np.argsort(keys, kind="stable")
        self.sorted = keys[self.order]

    def _encode(self, columns: Sequence[np.ndarray | int]) -> np.ndarray:
        # In place: a national result has millions of rows, and every temporary is fresh memory to fault in.
        size = next(np.size(column) for column in columns if np.ndim(column))
        key = np.zeros(size, dtype=np.int64)
        for column, width in zip(columns, self.widths, strict=True):
            key *= width
            key += column
            key += 1
        return key

    def find(self, target: Sequence[np.ndarray | int], where: np.ndarray | None = None) -> np.ndarray:
        """For each target row, the index of the source row with the same key, or -1 (also for -1 codes).

        A column may be one code for every row. With ``where``, only the rows where it is true are looked up (the
        others get -1), which saves most of the work when few rows need a match.
        """
        if where is not None:
            rows = np.flatnonzero(where)
            found = np.full(where.size, -1, dtype=np.int64)
            if rows.size:
                found[rows] = self.find([c if np.ndim(c) == 0 else np.asarray(c)[rows] for c in target])
            return found
        keys = self._encode(target)
        if not self.sorted.size:
            return np.full(keys.size, -1, dtype=np.int64)
        position = np.clip(np.searchsorted(self.sorted, keys), 0, self.sorted.size - 1)
        found = np.where(self.sorted[position] == keys, self.order[position], -1)
        for column in target:
            if np.ndim(column) == 0:
                if int(column) < 0:
                    found[:] = -1
            else:
                found[np.asarray(column) < 0] = -1
        return found


def lookup(target: Sequence[np.ndarray], source: Sequence[np.ndarray]) -> np.ndarray:
    """For each target row, the index of the source row with the same key (columns pairwise), or -1."""
    n_target = len(target[0])
    codes = joint_codes([np.concatenate([t, s]) for t, s in zip(target, source, strict=True)])
    target_keys, source_keys = codes[:n_target], codes[n_target:]
    if not source_keys.size:
        return np.full(n_target, -1, dtype=np.int64)
    order = np.argsort(source_keys, kind="stable")
    ordered = source_keys[order]
    position = np.clip(np.searchsorted(ordered, target_keys), 0, ordered.size - 1)
    return np.where(ordered[position] == target_keys, order[position], -1)


def group_ids(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Dense group numbers 0..k-1 for a composite key."""
    return np.unique(joint_codes(columns), return_inverse=True)[1].astype(np.int64)
