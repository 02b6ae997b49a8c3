"""An ICB analyst: the finding pages (prevalence, model performance) and the outcomes dashboard (overview, an
indicator page with its CSV download, the equity audit)."""

import pytest
from browser_helpers import assert_accessible, sign_in
from playwright.sync_api import expect

from peolc.analytics.pipeline import run_pipeline
from peolc.cli import main
from peolc.core.actions.organisations import load_organisations
from peolc.core.sources import organisation_rows
from peolc.outcomes.outputs import load_outputs


@pytest.fixture(scope="module")
def indicator_outputs(tmp_path_factory):
    data, out = tmp_path_factory.mktemp("ics"), tmp_path_factory.mktemp("outputs")
    assert main(["generate", "--people", "4000", "--start", "2021-10-01", "--years", "5", "--out", str(data),
                 "--quiet"]) == 0
    run_pipeline(data, out, steps=["indicators"])
    return data, out


def test_an_analyst_reads_prevalence_and_model_performance(page, loaded, make_user, ics):
    make_user("analyst.finder", "icb_analyst", ics["icb"], password="a-long-test-password-42")
    sign_in(page, "analyst.finder", "a-long-test-password-42")
    page.goto("/finding/population/")
    expect(page.get_by_role("heading", name="Register prevalence by practice")).to_be_visible()
    expect(page.locator("#prevalence .main-svg").first).to_be_attached()
    assert_accessible(page)
    assert page.console_errors == []
    page.goto("/finding/model/")
    expect(page.locator("#calibration .main-svg").first).to_be_attached()
    assert_accessible(page)
    assert page.console_errors == []


def test_an_analyst_reads_the_outcomes(page, db, indicator_outputs, make_user, ics):
    data, out = indicator_outputs
    load_organisations(organisation_rows(data), system_actor="test")
    load_outputs(out, data)
    make_user("analyst.outcomes", "icb_analyst", ics["icb"], password="a-long-test-password-42")
    sign_in(page, "analyst.outcomes", "a-long-test-password-42")

    page.goto("/outcomes/")
    expect(page.get_by_role("heading", name="Ambition 1: Each person is seen as an individual")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Deaths in usual place of residence (DiUPR)").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deaths in usual place of residence (DiUPR)")
    expect(page.locator("#trend .main-svg").first).to_be_attached()
    # No funnel here: in so small an ICS every practice figure is suppressed for an analyst (the integration tests
    # check the funnel for a clinician who sees their locality's practices).
    assert_accessible(page)
    assert page.console_errors == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download every value for this period as CSV").click()
    assert download.value.suggested_filename.startswith("deaths_in_usual_place_of_residence-")

    page.goto("/outcomes/equity-audit/")
    expect(page.get_by_role("heading", name="Health-equity audit")).to_be_visible()
    assert_accessible(page)
