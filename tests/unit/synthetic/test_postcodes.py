"""The synthetic ``postcodes`` table: made-up centroids for every LSOA and organisation postcode."""

from pathlib import Path

import pyarrow.parquet as pq

from peolc.analytics import contract


def test_postcodes_cover_every_lsoa_and_organisation(tiny_ics: Path) -> None:
    postcodes = pq.read_table(tiny_ics / "postcodes.parquet").to_pylist()
    lsoas = {r["lsoa_code"] for r in pq.read_table(tiny_ics / "patients.parquet").to_pylist() if r["lsoa_code"]}
    known = {p["postcode"] for p in postcodes}
    assert lsoas <= {p["lsoa_code"] for p in postcodes}
    org_postcodes = {o["postcode"] for o in pq.read_table(tiny_ics / "organisations.parquet").to_pylist()
                     if o["postcode"]}
    assert org_postcodes <= known
    assert len(known) == len(postcodes)
    assert all(52.0 < p["latitude"] < 54.0 and -2.5 < p["longitude"] < 0.0 for p in postcodes)


def test_postcodes_meet_the_contract(tiny_ics: Path) -> None:
    report = contract.validate_directory(tiny_ics, tables=["postcodes"])
    assert report.ok, [str(p) for p in report.problems]
