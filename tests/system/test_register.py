"""The register's journeys in a real browser: add, record, emergency summary, refusal, break-glass, conflicts."""

import re

import pytest
from browser_helpers import assert_accessible, sign_in
from playwright.sync_api import expect

from peolc import nhs_number


def valid_nhs_number(seed: int) -> str:
    for prefix in range(999000000 + seed * 100, 999000000 + seed * 100 + 100):
        digit = nhs_number.check_digit(str(prefix))
        if digit is not None:
            return f"{prefix}{digit}"
    raise AssertionError("no valid number")


def fill_date(page, name: str, day: int, month: int, year: int) -> None:
    for part, value in (("day", day), ("month", month), ("year", year)):
        page.locator(f"input[name='{name}[{part}]']").fill(str(value))


def add_person(page, number: str, family_name: str = "Example") -> str:
    page.goto("/register/add/")
    page.get_by_label("NHS number").fill(number)
    page.get_by_label("First name").fill("Margaret")
    page.get_by_label("Last name").fill(family_name)
    fill_date(page, "person-date_of_birth", 14, 2, 1941)
    page.get_by_label("Female").check()
    page.get_by_label("Postcode").fill("LE2 1AA")
    page.get_by_label("Identification route").select_option("clinician")
    page.get_by_label("Months").check()
    page.get_by_label("Main diagnosis").select_option("heart_failure")
    page.get_by_label("Consent given").check()
    page.get_by_role("button", name="Add to register").click()
    expect(page.get_by_text("has been added to the register")).to_be_visible()
    return page.url


@pytest.fixture
def gp_page(page, demo_users):
    sign_in(page, "demo-gp")
    return page


def test_a_gp_adds_a_person_and_records_preferences_and_respect(gp_page):
    page = gp_page
    page.goto("/register/add/")
    assert_accessible(page)
    page.get_by_role("button", name="Add to register").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page)

    record_url = add_person(page, valid_nhs_number(1))
    assert "nhs" not in record_url.lower() and valid_nhs_number(1) not in record_url
    expect(page.get_by_text("Margaret EXAMPLE").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record preferences and what matters").click()
    page.get_by_label("Preferred place of death", exact=True).select_option("home")
    page.get_by_label("What matters to the person").fill("Being at home with her dog, Bramble.")
    page.get_by_label("Yes").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save preferences and what matters").click()
    expect(page.get_by_text("Preferences and what matters saved.")).to_be_visible()

    page.get_by_role("link", name="Record respect and cpr decision").click()
    page.get_by_label("Not for attempted CPR").check()
    fill_date(page, "decided_on", 1, 11, 2026)
    page.get_by_label("Clinician name").fill("Dr Asha Patel")
    page.get_by_label("Clinician role").fill("GP")
    page.get_by_label("Prioritise comfort, even at the expense of sustaining life").check()
    page.get_by_role("button", name="Save respect and cpr decision").click()
    expect(page.get_by_role("heading", name="ReSPECT and CPR decision")).to_be_visible()
    expect(page.locator("#respect")).to_contain_text("Not for attempted CPR")
    expect(page.locator("#preferences")).to_contain_text("Being at home with her dog")

    page.get_by_role("link", name="Emergency summary").click()
    expect(page.get_by_role("heading", name="CPR: Not for attempted CPR")).to_be_visible()
    assert_accessible(page)


def test_urgent_care_opens_the_emergency_summary_but_not_the_full_record(page, demo_users):
    sign_in(page, "demo-gp")
    record_url = add_person(page, valid_nhs_number(2), "Summary")
    person_path = re.search(r"/register/people/[0-9a-f-]+/", record_url).group(0)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "demo-urgent-care")
    page.goto("/register/find/")
    page.get_by_label("NHS number").fill(valid_nhs_number(2))
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 person found")).to_be_visible()
    assert_accessible(page)
    # Urgent care has no relationship with the person: the search offers the summary without saying who it is.
    expect(page.get_by_text("Margaret SUMMARY")).to_have_count(0)
    page.get_by_role("link", name="Open the emergency summary").click()
    expect(page.get_by_role("heading", name="Emergency summary")).to_be_visible()
    expect(page.get_by_text("No ReSPECT or CPR decision is recorded")).to_be_visible()
    assert_accessible(page)

    response = page.goto(person_path)
    assert response.status == 403
    expect(page.get_by_role("button", name="Open the emergency summary")).to_be_visible()


def test_an_unrelated_clinician_is_refused_then_breaks_glass(page, demo_users):
    sign_in(page, "demo-gp")
    record_url = add_person(page, valid_nhs_number(3), "Glass")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "demo-hospital")
    response = page.goto(record_url)
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this record")
    assert_accessible(page)
    page.get_by_role("button", name="Get emergency access (break glass)").click()
    page.get_by_label("Why do you need to see this record now?").fill("short")
    page.get_by_role("button", name="Get emergency access").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 10 characters")
    assert_accessible(page)
    page.get_by_label("Why do you need to see this record now?").fill(
        "Admitted unconscious to ED, need ReSPECT decision"
    )
    page.get_by_role("button", name="Get emergency access").click()
    expect(page.get_by_text("You are viewing this record through break-glass")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "demo-privacy-officer")
    page.goto("/register/break-glass/")
    expect(page.get_by_text("Admitted unconscious to ED")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Appropriate", exact=True).check()
    page.get_by_role("button", name="Record review").click()
    expect(page.get_by_text("Review recorded.")).to_be_visible()


def test_two_users_edit_the_same_section_and_the_second_sees_a_conflict(browser, live_server, demo_users, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    first = browser.new_context(base_url=live_server.url).new_page()
    second = browser.new_context(base_url=live_server.url).new_page()
    sign_in(first, "demo-gp")
    record_url = add_person(first, valid_nhs_number(4), "Conflict")
    sign_in(second, "demo-coordinator")

    edit_url = record_url + "preferences/edit/"
    first.goto(edit_url)
    second.goto(edit_url)
    first.get_by_label("What matters to the person").fill("Her garden.")
    first.get_by_role("button", name="Save preferences and what matters").click()
    expect(first.get_by_text("Preferences and what matters saved.")).to_be_visible()

    second.get_by_label("What matters to the person").fill("Seeing her grandson.")
    second.get_by_role("button", name="Save preferences and what matters").click()
    expect(second.get_by_text("Someone else changed this section")).to_be_visible()
    expect(second.get_by_text("Her garden.")).to_be_visible()
    expect(second.get_by_label("What matters to the person")).to_have_value("Seeing her grandson.")
    assert_accessible(second)

    second.get_by_role("button", name="Save preferences and what matters").click()
    expect(second.get_by_text("Preferences and what matters saved.")).to_be_visible()
    expect(second.locator("#preferences")).to_contain_text("Seeing her grandson.")
    expect(second.locator("#preferences")).to_contain_text("Not yet reviewed by a clinician")


def test_the_register_works_without_javascript(browser, live_server, demo_users, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    page = browser.new_context(base_url=live_server.url, java_script_enabled=False).new_page()
    sign_in(page, "demo-gp")
    record_url = add_person(page, valid_nhs_number(5), "Nojs")
    page.goto(record_url + "carers/edit/")
    page.locator("input[name='items-0-name']").fill("Tom Nojs")
    page.locator("input[name='items-0-relationship']").fill("son")
    page.get_by_role("button", name="Save carers and family").click()
    expect(page.locator("#carers")).to_contain_text("Tom Nojs")
    page.get_by_role("link", name="Emergency summary").click()
    expect(page.get_by_text("Tom Nojs")).to_be_visible()
    page.goto("/register/worklists/?list=no_acp")
    expect(page.get_by_role("link", name="Margaret NOJS")).to_be_visible()
