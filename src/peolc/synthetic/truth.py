"""Ground truth for scoring identification: who died within a period after a reference date.

Derivable from ``deaths`` alone: a person counts as dying within ``months`` of ``as_of`` when
``as_of < date_of_death <= as_of + months``. The generated ``deaths`` table is complete up to the extract end, so
the answer is complete for ``as_of`` no later than the extract end minus ``months`` (``metadata.json`` gives it as
``ground_truth.valid_until`` for 12 months). People who die in the year after the extract end are simulated but
their deaths are deliberately absent, exactly as in a real extract.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    return date(year, month, min(day.day, last))


def died_within(deaths: pa.Table | str | Path, as_of: date, months: int = 12) -> np.ndarray:
    """Sorted patient ids of people who died after ``as_of`` and on or before ``as_of`` plus ``months``.

    ``deaths`` is the contract's deaths table or the path of a ``deaths.parquet`` file.
    """
    if not isinstance(deaths, pa.Table):
        deaths = pq.read_table(deaths, columns=["patient_id", "date_of_death"])
    until = _add_months(as_of, months)
    died = deaths.column("date_of_death")
    mask = pc.and_(pc.greater(died, pa.scalar(as_of, pa.date32())), pc.less_equal(died, pa.scalar(until, pa.date32())))
    return np.sort(deaths.column("patient_id").filter(mask).to_numpy())
