"""The gap map's counts of people (deaths, palliative need) go through the small-number policy, page and CSV."""

from __future__ import annotations

import csv
import io

import pytest

from peolc.directory import models as m


@pytest.fixture
def areas(db, ics, make_organisation):
    other_pcn = make_organisation("U99002", "pcn", ics["locality"])
    assert m.TaxonomyTerm.objects.filter(gap_mapped=True).exists()  # the taxonomy comes with the migrations
    # One locality of two PCNs: 3 deaths in one and 40 in the other add up to the locality's 43.
    for code, pcn, deaths, need in (("E01000001", ics["pcn"], 3, 2), ("E01000002", other_pcn, 40, 30)):
        m.Area.objects.create(lsoa_code=code, locality_code=ics["locality"].code, pcn_code=pcn.code,
                              latitude=52.0, longitude=-1.0, population=1500, deaths=deaths, palliative_need=need)
    return ics


def _csv(client) -> dict[tuple[str, str], dict]:
    response = client.get("/directory/gaps.csv")
    assert response.status_code == 200
    return {(r["level"], r["code"]): r for r in csv.DictReader(io.StringIO(response.content.decode()))}


def test_the_gap_map_csv_suppresses_small_counts_and_what_would_reveal_them(client, areas, make_user):
    client.force_login(make_user("analyst", "icb_analyst", areas["icb"]))
    rows = _csv(client)
    small, other = rows[("PCN", "U99001")], rows[("PCN", "U99002")]
    locality = rows[("Locality", areas["locality"].code)]
    assert small["deaths"] == small["palliative_need"] == "[c]"
    # The locality less the other PCN would give the 3 back: one of them is suppressed too.
    assert "[c]" in (other["deaths"], locality["deaths"])
    assert "[c]" in (other["palliative_need"], locality["palliative_need"])
    assert "[c]" in client.get("/directory/gaps/").content.decode()


def test_a_clinician_sees_their_own_pcn_in_full_and_no_other(client, areas, make_user):
    client.force_login(make_user("gp", "gp", areas["pcn"]))
    rows = _csv(client)
    assert rows[("PCN", "U99001")]["deaths"] == "3"
    assert "[c]" in (rows[("PCN", "U99002")]["deaths"], rows[("Locality", areas["locality"].code)]["deaths"])


def test_the_gap_map_answers_before_any_neighbourhood_is_loaded(client, ics, make_user):
    client.force_login(make_user("analyst", "icb_analyst", ics["icb"]))
    assert client.get("/directory/gaps/").status_code == 200
    assert client.get("/directory/gaps.csv").status_code == 200
