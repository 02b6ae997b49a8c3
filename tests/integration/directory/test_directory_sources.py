"""The directory's neighbourhood need comes from the pipeline's declared ``area_need`` output."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peolc.analytics.contract import OutputContractError
from peolc.core.models import AuditEvent
from peolc.directory import models as m
from peolc.directory.sources import load_directory_data


def test_areas_are_the_pipeline_s_area_need(db, tiny_data, tiny_outputs):
    counts = load_directory_data(tiny_data, tiny_outputs, system_actor="test")
    need = pq.read_table(tiny_outputs / "area_need.parquet")
    assert counts["areas"] == m.Area.objects.count() == need.num_rows > 0
    first = need.slice(0, 1).to_pylist()[0]
    area = m.Area.objects.get(lsoa_code=first["lsoa_code"])
    assert (area.population, area.deaths, area.palliative_need) == (
        first["population"], first["deaths"], first["palliative_need"])
    assert area.pcn_code == (first["pcn_code"] or "")


def test_an_area_need_that_breaks_its_declaration_is_refused_before_anything_is_written(
        db, tiny_data, tiny_outputs, tmp_path):
    need = pq.read_table(tiny_outputs / "area_need.parquet")
    column = need.column_names.index("population")
    pq.write_table(need.set_column(column, "population", pa.array(["many"] * need.num_rows)),
                   tmp_path / "area_need.parquet")
    with pytest.raises(OutputContractError) as raised:
        load_directory_data(tiny_data, tmp_path, system_actor="test")
    assert str(tmp_path / "area_need.parquet") in str(raised.value)
    assert "area_need.population: wrong type string (expected int64)" in str(raised.value)
    assert not m.Postcode.objects.exists() and not m.Area.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="directory.").exists()
