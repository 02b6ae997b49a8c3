"""Need for palliative care by LSOA, computed from the linked dataset's ``patients``, ``deaths`` and
``practice_registrations`` files (and the ``postcodes`` table for each LSOA's centroid).

The measure is deliberately simple and documented in ``docs/directory.md``: **palliative need** is the number of
deaths in the last 12 months of the extract whose underlying cause is one of the conditions Etkind et al. (2017)
found to indicate a need for palliative care (``reference/etkind_palliative_need_icd10.csv``); **deaths** counts
every death in those 12 months; **population** counts residents alive at the end of the extract. Each LSOA belongs
to the PCN (and so the locality) with which most of its residents are registered.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq

from peolc import reference


def _needs_palliative_care(code: str | None, ranges: list[tuple[str, str]]) -> bool:
    if not code:
        return False
    code = code.upper().replace(".", "")
    for start, end in ranges:
        start, end = start.replace(".", ""), end.replace(".", "")
        if start <= code[: len(start)] <= end:
            return True
    return False


def area_rows(data_dir: Path) -> list[dict]:
    """One row per LSOA with a postcode: lsoa_code, locality_code, pcn_code, latitude, longitude, population,
    deaths and palliative_need."""
    postcodes = pq.read_table(data_dir / "postcodes.parquet").to_pylist()
    centroid: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for p in postcodes:
        c = centroid[p["lsoa_code"]]
        c[0] += p["latitude"]
        c[1] += p["longitude"]
        c[2] += 1
    orgs = {o["code"]: o for o in pq.read_table(data_dir / "organisations.parquet").to_pylist()}
    patients = pq.read_table(data_dir / "patients.parquet", columns=["patient_id", "lsoa_code"]).to_pylist()
    lsoa_of = {p["patient_id"]: p["lsoa_code"] for p in patients}
    deaths = pq.read_table(data_dir / "deaths.parquet",
                           columns=["patient_id", "date_of_death", "underlying_cause"]).to_pylist()
    last = max((d["date_of_death"] for d in deaths), default=None)
    ranges = [(r["icd10_start"], r["icd10_end"]) for r in reference.rows("etkind_palliative_need_icd10.csv")]
    dead = {d["patient_id"] for d in deaths}
    death_count: Counter = Counter()
    need: Counter = Counter()
    for d in deaths:
        if last is not None and d["date_of_death"] > last - timedelta(days=365):
            lsoa = lsoa_of.get(d["patient_id"])
            death_count[lsoa] += 1
            need[lsoa] += _needs_palliative_care(d["underlying_cause"], ranges)
    population = Counter(p["lsoa_code"] for p in patients if p["patient_id"] not in dead)
    registrations = pq.read_table(data_dir / "practice_registrations.parquet",
                                  columns=["patient_id", "practice_code", "end_date"]).to_pylist()
    pcn_votes: dict[str, Counter] = defaultdict(Counter)
    for r in registrations:
        if r["end_date"] is None and r["patient_id"] not in dead:
            pcn = (orgs.get(r["practice_code"]) or {}).get("parent_code")
            pcn_votes[lsoa_of.get(r["patient_id"])][pcn] += 1
    rows = []
    for lsoa, (lat, lon, n) in sorted(centroid.items()):
        votes = pcn_votes.get(lsoa)
        pcn = votes.most_common(1)[0][0] if votes else None
        rows.append({
            "lsoa_code": lsoa, "pcn_code": pcn or "",
            "locality_code": (orgs.get(pcn) or {}).get("locality_code") or "",
            "latitude": lat / n, "longitude": lon / n, "population": population.get(lsoa, 0),
            "deaths": death_count.get(lsoa, 0), "palliative_need": need.get(lsoa, 0),
        })
    return rows
