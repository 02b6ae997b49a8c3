"""The plumbing every pipeline relies on behaves the same on every backend."""

import datetime as dt

import ibis
import pyarrow.parquet as pq

from peolc.analytics.backends import write_parquet


def test_group_join_and_write_round_trip(con, make_table, tmp_path):
    people = make_table([{"patient_id": 1, "practice": "A"}, {"patient_id": 2, "practice": "A"},
                         {"patient_id": 3, "practice": "B"}])
    deaths = make_table([{"patient_id": 2, "date_of_death": dt.date(2024, 5, 1)}])
    joined = people.left_join(deaths, "patient_id").select(people.practice, died=deaths.date_of_death.notnull())
    summary = joined.group_by("practice").aggregate(people=ibis._.count(), deaths=ibis._.died.sum()).order_by(
        "practice")
    rows = write_parquet(con, summary, tmp_path / "summary.parquet")
    assert rows == 2
    assert pq.read_table(tmp_path / "summary.parquet").to_pylist() == [
        {"practice": "A", "people": 2, "deaths": 1},
        {"practice": "B", "people": 1, "deaths": 0},
    ]
