"""Generate a synthetic integrated care system as contract Parquet files.

The run is deterministic for a seed and a configuration: every random stream is derived from the seed and a fixed
stream number (and, for events, the fixed chunk number), and chunks have a fixed size.

Time line: deaths are recorded from ``start`` to ``end`` (inclusive). Activity tables also hold the year before
``start`` so that every decedent has a full last year of records. People are simulated one year past ``end`` (the
horizon): those who will die then are already declining at the extract date, as in real data, but their deaths
are not in ``deaths``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from peolc import nhs_number
from peolc.analytics.contract import TABLES, table
from peolc.synthetic.events import ChunkBuilder
from peolc.synthetic.geography import build_ics, build_postcodes
from peolc.synthetic.population import JOIN_RATE, Window, build_conditions, build_population
from peolc.synthetic.register import build_register

CHUNK_PEOPLE = 200_000
GENERATOR_VERSION = "1"
_EPOCH = date(1970, 1, 1)

# Independent random streams, one per step.
(_STREAM_ICS, _STREAM_PEOPLE, _STREAM_CONDITIONS, _STREAM_REGISTER, _STREAM_IDS, _STREAM_CHUNK, _STREAM_POSTCODES) = (
    range(7)
)


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate: ``people`` registered at ``start``, deaths over ``years`` calendar years from ``start``."""

    people: int = 50_000
    seed: int = 42
    start: date = date(2019, 1, 1)
    years: int = 5

    def window(self) -> Window:
        """The day numbers of the extract period."""
        start = (self.start - _EPOCH).days
        end_date = self.start.replace(year=self.start.year + self.years) - timedelta(days=1)
        end = (end_date - _EPOCH).days
        return Window(start=start, end=end, history_start=start - 365, horizon_end=end + 365)

    @property
    def end(self) -> date:
        """Last day of the extract."""
        return _EPOCH + timedelta(days=self.window().end)


def synthetic_nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct valid NHS numbers (as strings) from the 999 test range, in random order.

    The 999 block holds 909,091 valid numbers. Larger populations continue into 998, 997, …, which the NHS
    does not issue to patients in England (issued numbers start 4 or 6–7), so they cannot clash with real people.
    """
    blocks: list[np.ndarray] = []
    total = 0
    block = 999
    while total < n:
        prefix = block * 1_000_000 + np.arange(1_000_000, dtype=np.int64)
        digits = (prefix[:, None] // (10 ** np.arange(8, -1, -1))) % 10
        check = (11 - (digits * np.arange(10, 1, -1)).sum(axis=1) % 11) % 11
        valid = check != 10
        blocks.append(rng.permutation(prefix[valid] * 10 + check[valid]))
        total += int(valid.sum())
        block -= 1
    chosen = np.concatenate(blocks)[:n] if blocks else np.empty(0, dtype=np.int64)
    return chosen.astype("U10")


def _identifiers(rng: np.random.Generator, patient_id: np.ndarray) -> pa.Table:
    numbers = synthetic_nhs_numbers(rng, patient_id.size)
    # Spot-check the vectorised arithmetic against the reference implementation.
    for sample in numbers[: min(50, numbers.size)]:
        assert nhs_number.is_valid(str(sample))
    return pa.table(
        {"patient_id": pa.array(patient_id), "nhs_number": pa.array(numbers.tolist())},
        schema=table("identifiers").schema,
    )


@dataclass
class GenerationResult:
    """What a run wrote."""

    out: Path
    row_counts: dict[str, int]
    metadata: dict


def generate(
    config: GeneratorConfig,
    out: str | Path,
    progress: Callable[[str], None] | None = None,
) -> GenerationResult:
    """Generate the synthetic ICS into ``out`` (one ``<table>.parquet`` per contract table, plus metadata.json).

    ``progress`` is called with a short description after each step.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for spec in TABLES:
        target = out / f"{spec.name}.parquet"
        if target.is_dir():
            shutil.rmtree(target)
        target.unlink(missing_ok=True)
    window = config.window()
    step = progress or (lambda _message: None)

    ics = build_ics(config.people, np.random.default_rng([config.seed, _STREAM_ICS]))
    pop = build_population(np.random.default_rng([config.seed, _STREAM_PEOPLE]), ics, config.people, window)
    cond = build_conditions(np.random.default_rng([config.seed, _STREAM_CONDITIONS]), pop, window)
    reg = build_register(np.random.default_rng([config.seed, _STREAM_REGISTER]), pop, cond, window, config.people)
    step("population")

    row_counts: dict[str, int] = {}
    writers: dict[str, pq.ParquetWriter] = {}

    def write(name: str, data: pa.Table) -> None:
        if name not in writers:
            writers[name] = pq.ParquetWriter(out / f"{name}.parquet", table(name).schema, compression="zstd")
        writers[name].write_table(data)
        row_counts[name] = row_counts.get(name, 0) + data.num_rows

    try:
        write("organisations", ics.organisations)
        write("postcodes", build_postcodes(ics, np.random.default_rng([config.seed, _STREAM_POSTCODES])))
        write("identifiers", _identifiers(np.random.default_rng([config.seed, _STREAM_IDS]), pop.patient_id))
        builder = ChunkBuilder(ics, pop, cond, reg, window)
        for number, lo in enumerate(range(0, pop.n, CHUNK_PEOPLE)):
            hi = min(pop.n, lo + CHUNK_PEOPLE)
            rng = np.random.default_rng([config.seed, _STREAM_CHUNK, number])
            for name, data in builder.build(rng, lo, hi).items():
                write(name, data)
            step(f"people {hi:,} of {pop.n:,}")
    finally:
        for writer in writers.values():
            writer.close()

    metadata = {
        "generator": "peolc.synthetic",
        "generator_version": GENERATOR_VERSION,
        "config": {**asdict(config), "start": config.start.isoformat()},
        "extract_start": config.start.isoformat(),
        "extract_end": config.end.isoformat(),
        "activity_from": (_EPOCH + timedelta(days=window.history_start)).isoformat(),
        "people_at_start": config.people,
        "people_total": int(pop.n),
        "ground_truth": {
            "died_within": "peolc.synthetic.truth.died_within(deaths, as_of, months)",
            "valid_until": (config.end - timedelta(days=365)).isoformat(),
            "note": "deaths holds every death to extract_end; for as_of dates on or before valid_until the "
            "12-month outcome is complete.",
        },
        "row_counts": row_counts,
    }
    (out / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return GenerationResult(out=out, row_counts=row_counts, metadata=metadata)


def n_chunks(config: GeneratorConfig) -> int:
    """How many chunks of people a run has (for progress bars)."""
    total = config.people + round(config.people * config.years * JOIN_RATE)
    return -(-total // CHUNK_PEOPLE)
