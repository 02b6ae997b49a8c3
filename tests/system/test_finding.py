"""Finding people early in a real browser: a GP reviews a candidate; an analyst reads the aggregate pages."""

from browser_helpers import assert_accessible, sign_in
from playwright.sync_api import expect


def test_a_gp_reviews_candidates_and_adds_one_to_the_register(page, loaded, make_user, ics):
    make_user("gp.finder", "gp", ics["practice"], password="a-long-test-password-42")
    sign_in(page, "gp.finder", "a-long-test-password-42")
    page.goto("/finding/")
    expect(page.get_by_role("heading", name="1. NHS number 999 000 0018, female, aged 88")).to_be_visible()
    page.get_by_text("Why").first.click()
    expect(page.get_by_text("Care home resident since 2026-07-10").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Review and add to register").first.click()
    expect(page.get_by_label("NHS number")).to_have_value("9990000018")
    page.get_by_label("First name").fill("Edith")
    page.get_by_label("Last name").fill("Found")
    for part, value in (("day", "3"), ("month", "4"), ("year", "1938")):
        page.locator(f"input[name='person-date_of_birth[{part}]']").fill(value)
    page.get_by_label("Months").check()
    page.get_by_label("Main diagnosis").select_option("dementia")
    page.get_by_label("Shared in the person's best interests (lacks capacity)").check()
    assert_accessible(page)
    page.get_by_role("button", name="Add to register").click()
    expect(page.get_by_text("Edith FOUND has been added to the register.")).to_be_visible()

    page.goto("/finding/")
    expect(page.get_by_text("999 000 0018")).to_have_count(0)


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
