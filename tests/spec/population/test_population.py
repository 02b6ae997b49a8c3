"""The population step: practices' list sizes and each neighbourhood's need, from tiny tables, on every backend.

Each table below states only the columns the step reads; the expected rows follow the input they come from.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from peolc.analytics.contract import table
from peolc.analytics.population import area_need, practice_list_sizes

D = date.fromisoformat
AS_AT = D("2024-03-31")
LAST_DEATH = D("2024-03-01")

ORGANISATIONS = [
    {"code": "QXX", "type": "icb", "name": "ICB", "parent_code": None, "locality_code": None},
    {"code": "L1", "type": "locality", "name": "L1", "parent_code": "QXX", "locality_code": None},
    {"code": "L2", "type": "locality", "name": "L2", "parent_code": "QXX", "locality_code": None},
    {"code": "N1", "type": "pcn", "name": "N1", "parent_code": "L1", "locality_code": "L1"},
    {"code": "N2", "type": "pcn", "name": "N2", "parent_code": "L2", "locality_code": "L2"},
    {"code": "P1", "type": "gp_practice", "name": "P1", "parent_code": "N1", "locality_code": "L1"},
    {"code": "P2", "type": "gp_practice", "name": "P2", "parent_code": "N2", "locality_code": "L2"},
]
POSTCODES = [
    {"postcode": "AA1 1AA", "lsoa_code": "E01000001", "latitude": 52.0, "longitude": -1.0},
    {"postcode": "AA1 1AB", "lsoa_code": "E01000001", "latitude": 52.5, "longitude": -1.5},
    {"postcode": "AA2 1AA", "lsoa_code": "E01000002", "latitude": 53.0, "longitude": -2.0},
    # E01000003 has residents but no postcode, so no row; E01000004 has a postcode but nobody.
    {"postcode": "AA4 1AA", "lsoa_code": "E01000004", "latitude": 51.0, "longitude": 0.5},
]
PATIENTS = [
    {"patient_id": 1, "lsoa_code": "E01000001"},  # died of lung cancer within the 12 months: need
    {"patient_id": 2, "lsoa_code": "E01000001"},  # died of a fall within the 12 months: a death, not need
    {"patient_id": 3, "lsoa_code": "E01000001"},  # died before the 12 months: neither, and not population
    {"patient_id": 4, "lsoa_code": "E01000001"},  # living, registered with P1 (PCN N1)
    {"patient_id": 5, "lsoa_code": "E01000001"},  # living, registered with P2 (PCN N2): a tie, N1 wins
    {"patient_id": 6, "lsoa_code": "E01000002"},  # living, registered with P2
    {"patient_id": 7, "lsoa_code": "E01000002"},  # living, left P1 before the reference date
    {"patient_id": 8, "lsoa_code": "E01000003"},  # living, registered with P1, LSOA without a postcode
    {"patient_id": 9, "lsoa_code": "E01000002"},  # living, registered after the reference date
]
DEATHS = [
    {"patient_id": 1, "date_of_death": LAST_DEATH, "underlying_cause": "C349"},
    {"patient_id": 2, "date_of_death": D("2023-03-03"), "underlying_cause": "W19"},
    # 365 days before the latest death: outside the 12 months, which run from the day after.
    {"patient_id": 3, "date_of_death": D("2023-03-02"), "underlying_cause": "I500"},
]
REGISTRATIONS = [
    {"patient_id": 1, "practice_code": "P1", "start_date": D("2010-01-01"), "end_date": LAST_DEATH},
    {"patient_id": 4, "practice_code": "P1", "start_date": D("2010-01-01"), "end_date": None},
    {"patient_id": 5, "practice_code": "P2", "start_date": D("2010-01-01"), "end_date": None},
    {"patient_id": 6, "practice_code": "P2", "start_date": D("2010-01-01"), "end_date": None},
    {"patient_id": 7, "practice_code": "P1", "start_date": D("2010-01-01"), "end_date": AS_AT},
    {"patient_id": 8, "practice_code": "P1", "start_date": AS_AT, "end_date": None},
    {"patient_id": 9, "practice_code": "P2", "start_date": D("2024-04-01"), "end_date": None},
]

# P1: patient 4, and 8 (from the reference date); not 7 (left on it) or 1 (died). P2: patients 5 and 6, not 9.
EXPECTED_LIST_SIZES = [{"practice_code": "P1", "list_size": 2}, {"practice_code": "P2", "list_size": 2}]
EXPECTED_AREAS = [
    {"lsoa_code": "E01000001", "pcn_code": "N1", "locality_code": "L1", "latitude": 52.25, "longitude": -1.25,
     "population": 2, "deaths": 2, "palliative_need": 1},
    {"lsoa_code": "E01000002", "pcn_code": "N2", "locality_code": "L2", "latitude": 53.0, "longitude": -2.0,
     "population": 3, "deaths": 0, "palliative_need": 0},
    {"lsoa_code": "E01000004", "pcn_code": None, "locality_code": None, "latitude": 51.0, "longitude": 0.5,
     "population": 0, "deaths": 0, "palliative_need": 0},
]


def _tables(make_table) -> dict:
    rows = {"organisations": ORGANISATIONS, "postcodes": POSTCODES, "patients": PATIENTS, "deaths": DEATHS,
            "practice_registrations": REGISTRATIONS}
    out = {}
    for name, given in rows.items():
        columns = sorted({column for row in given for column in row})
        schema = pa.schema([table(name).schema.field(c).with_nullable(True) for c in columns])
        out[name] = make_table(pa.Table.from_pylist(given, schema=schema))
    return out


def test_list_sizes_count_registrations_current_on_the_reference_date(con, make_table) -> None:
    result = con.to_pyarrow(practice_list_sizes(_tables(make_table), AS_AT)).to_pylist()
    assert result == EXPECTED_LIST_SIZES


def test_each_lsoa_with_a_postcode_has_its_centroid_pcn_population_deaths_and_need(con, make_table) -> None:
    result = con.to_pyarrow(area_need(_tables(make_table), LAST_DEATH)).to_pylist()
    assert result == EXPECTED_AREAS
