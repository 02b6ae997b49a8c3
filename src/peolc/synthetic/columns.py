"""Turning the generator's NumPy arrays into Arrow columns of the contract's types."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from peolc.synthetic.population import NEVER


def dates(days: np.ndarray) -> pa.Array:
    """int32 days since 1970-01-01 as an Arrow date32 array; ``NEVER`` becomes null."""
    days = np.asarray(days, dtype=np.int32)
    mask = days == NEVER
    return pa.array(days, type=pa.int32(), mask=mask if mask.any() else None).cast(pa.date32())


def labels(index: np.ndarray, vocabulary: tuple[str, ...] | np.ndarray) -> pa.Array:
    """Strings from indices into a vocabulary; negative indices become null."""
    index = np.asarray(index, dtype=np.int32)
    mask = index < 0
    indices = pa.array(index, type=pa.int32(), mask=mask if mask.any() else None)
    dictionary = pa.array(list(vocabulary), type=pa.string())
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())
