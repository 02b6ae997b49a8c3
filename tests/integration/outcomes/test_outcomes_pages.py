"""The outcomes dashboard over real pipeline outputs from a tiny synthetic ICS."""

import csv
import io
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.urls import reverse

from peolc.analytics.contract import OutputContractError
from peolc.analytics.pipeline import run_pipeline
from peolc.cli import main
from peolc.core.actions.organisations import load_organisations
from peolc.core.models import AuditEvent, Organisation
from peolc.core.sources import organisation_rows
from peolc.outcomes import models as m
from peolc.outcomes.outputs import load_outputs


@pytest.fixture(scope="module")
def indicator_outputs(tmp_path_factory):
    data = tmp_path_factory.mktemp("ics")
    out = tmp_path_factory.mktemp("outputs")
    assert main(["generate", "--people", "4000", "--start", "2021-10-01", "--years", "5", "--out", str(data),
                 "--quiet"]) == 0
    run_pipeline(data, out, steps=["indicators"])
    return data, out


@pytest.fixture
def loaded(db, indicator_outputs):
    data, out = indicator_outputs
    load_organisations(organisation_rows(data), system_actor="test")
    return load_outputs(out, data)


@pytest.fixture
def analyst(make_user, ics):
    return make_user("analyst", "icb_analyst", ics["icb"])


def test_outputs_load_every_indicator(loaded):
    assert loaded["indicators"] >= 20
    assert loaded["values"] == m.IndicatorValue.objects.count() > 0
    assert AuditEvent.objects.filter(action="outcomes.load").exists()


def test_loading_again_replaces_the_previous_values(loaded, indicator_outputs):
    before = m.IndicatorValue.objects.count()
    load_outputs(indicator_outputs[1], indicator_outputs[0])
    assert m.IndicatorValue.objects.count() == before


def test_indicator_values_that_depart_from_the_contract_are_refused_and_the_last_load_kept(
    loaded, indicator_outputs, tmp_path
):
    data, out = indicator_outputs
    broken = tmp_path / "outputs"
    shutil.copytree(out, broken)
    values = pq.read_table(broken / "indicator_values.parquet")
    column = values.column_names.index("suppressed")
    pq.write_table(values.set_column(column, "suppressed", pa.nulls(values.num_rows, pa.bool_())),
                   broken / "indicator_values.parquet")
    before = m.IndicatorValue.objects.count()
    with pytest.raises(OutputContractError) as raised:
        load_outputs(broken, data)
    assert str(broken / "indicator_values.parquet") in str(raised.value)
    assert "indicator_values.suppressed: missing values in a required column" in str(raised.value)
    assert m.IndicatorValue.objects.count() == before
    assert AuditEvent.objects.filter(action="outcomes.load").count() == 1


def test_the_overview_groups_indicators_by_ambition(client, loaded, analyst):
    client.force_login(analyst)
    page = client.get(reverse("outcomes:overview")).content.decode()
    assert "Ambition 1: Each person is seen as an individual" in page
    assert "Deaths in usual place of residence" in page
    assert "95% CI" in page


def test_an_indicator_page_has_charts_tables_and_a_csv_download(client, loaded, make_user):
    # In so small an ICS an analyst sees almost every practice suppressed; a clinician sees their locality's.
    client.force_login(make_user("locality-gp", "gp", Organisation.objects.filter(type="locality").first()))
    url = reverse("outcomes:indicator", args=["deaths_in_usual_place_of_residence"])
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    for chart_id in ("trend", "areas", "funnel", "breakdown-age_band", "breakdown-imd_quintile"):
        assert f'id="{chart_id}-spec"' in page
    assert "Data table" in page
    csv = client.get(url, {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    header = csv.content.decode().splitlines()[0]
    assert header.startswith("indicator_id,period_type,period,area_type,area_code")


def test_aggregate_only_users_never_see_suppressed_numbers(client, loaded, analyst):
    client.force_login(analyst)
    suppressed = m.IndicatorValue.objects.filter(suppressed=True, area_type="practice").first()
    assert suppressed is not None
    csv = client.get(reverse("outcomes:indicator", args=[suppressed.indicator_id]),
                     {"format": "csv", "period_type": suppressed.period_type, "period": suppressed.period})
    for line in csv.content.decode().splitlines()[1:]:
        fields = line.split(",")
        if fields[-1] == "True":
            assert fields[8:11] == ["", "", ""], line


def _csv_rows(client, value) -> list[dict]:
    response = client.get(reverse("outcomes:indicator", args=[value.indicator_id]),
                          {"format": "csv", "period_type": value.period_type, "period": value.period})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _suppressed_practice_value():
    return m.IndicatorValue.objects.filter(suppressed=True, area_type="practice", numerator__gt=0).order_by(
        "indicator_id", "period_type", "period", "area_code").first()


def test_clinicians_see_small_numbers_only_for_their_own_practice(client, loaded, make_user):
    value = _suppressed_practice_value()
    client.force_login(make_user("gp-own", "gp", Organisation.objects.get(code=value.area_code)))
    rows = [r for r in _csv_rows(client, value) if r["suppressed"] == "True"]
    own = [r for r in rows if r["area_code"] == value.area_code]
    others = [r for r in rows if r["area_code"] != value.area_code]
    assert own and all(r["numerator"] != "" for r in own)
    # Another practice, its PCN and the ICB are outside a GP's scope: suppressed as for an analyst.
    assert others and all(r["numerator"] == r["denominator"] == r["value"] == "" for r in others)


def test_the_pages_say_whose_small_numbers_are_hidden(client, loaded, make_user, analyst):
    client.force_login(analyst)
    assert "Counts from 1 to 7, and figures that would let one be worked out, are not shown." in client.get(
        reverse("outcomes:overview")).content.decode()
    gp = make_user("gp-own", "gp", Organisation.objects.get(code=_suppressed_practice_value().area_code))
    client.force_login(gp)
    for page in ("outcomes:overview", "outcomes:equity-audit"):
        assert "outside your own organisation's areas" in client.get(reverse(page)).content.decode(), page


def test_a_pcn_clinician_sees_small_numbers_for_the_pcn_and_its_practices(client, loaded, make_user):
    value = _suppressed_practice_value()
    practice = Organisation.objects.get(code=value.area_code)
    client.force_login(make_user("pcn-nurse", "gp", practice.parent))
    scope = {practice.parent.code, *practice.parent.children.values_list("code", flat=True)}
    for row in _csv_rows(client, value):
        if row["suppressed"] == "True":
            assert (row["numerator"] != "") == (row["area_code"] in scope), row


def test_inequality_indices_are_withheld_beside_a_suppressed_quintile(client, loaded, analyst, make_user):
    inequality = m.Inequality.objects.filter(any_quintile_suppressed=True, sii__isnull=False).select_related(
        "indicator").order_by("indicator_id", "period_type", "period", "area_code").first()
    assert inequality is not None
    params = {"period_type": inequality.period_type, "period": inequality.period, "area": inequality.area_code}
    url = reverse("outcomes:indicator", args=[inequality.indicator_id])
    client.force_login(analyst)
    page = client.get(url, params).content.decode()
    assert "Slope index of inequality" not in page
    organisation = Organisation.objects.get(code=inequality.area_code)
    if organisation.type != "icb":
        # Within the clinician's own scope the quintiles are shown, and so are the indices.
        client.force_login(make_user("local-gp", "gp", organisation))
        assert "Slope index of inequality" in client.get(url, params).content.decode()


def test_the_equity_audit_writes_findings_from_the_numbers(client, loaded, analyst):
    client.force_login(analyst)
    response = client.get(reverse("outcomes:equity-audit"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "significantly" in page and "95% CI" in page
    export = client.get(reverse("outcomes:equity-audit"), {"format": "html"})
    assert export["Content-Disposition"].startswith("attachment;")
    assert b"Health-equity audit" in export.content


def test_unknown_indicators_are_404(client, loaded, analyst):
    client.force_login(analyst)
    assert client.get(reverse("outcomes:indicator", args=["no_such_indicator"])).status_code == 404


@pytest.mark.parametrize("role", ["urgent_care_clinician", "directory_editor", "system_administrator",
                                  "community_nurse"])
def test_roles_without_aggregate_access_are_refused(client, loaded, make_user, ics, role):
    client.force_login(make_user("someone", role, ics["hospice"]))
    assert client.get(reverse("outcomes:overview")).status_code == 403


def test_empty_state_before_the_pipeline_runs(client, db, analyst):
    client.force_login(analyst)
    assert "No outcomes have been calculated yet" in client.get(reverse("outcomes:overview")).content.decode()
    assert "No outcomes have been calculated yet" in client.get(
        reverse("outcomes:equity-audit")).content.decode()


@pytest.mark.parametrize(("lower", "upper"), [(None, None), (0.5, None), (float("nan"), float("nan"))])
def test_an_inequality_without_an_interval_is_shown_without_one(client, loaded, analyst, lower, upper):
    # No quintile hidden, so the analyst may see the index (withholding it is tested elsewhere).
    m.Inequality.objects.update(sii=1.5, sii_lower_95=lower, sii_upper_95=upper, any_quintile_suppressed=False)
    client.force_login(analyst)
    response = client.get(reverse("outcomes:indicator", args=["deaths_in_usual_place_of_residence"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Slope index of inequality across deprivation quintiles: <strong>1.5</strong>" in page
    assert "(no confidence interval: too few quintiles have values)" in page
    assert "CI nan" not in page
    assert client.get(reverse("outcomes:equity-audit")).status_code == 200
