"""A GP, and the coordinator who shares the care of their patients: the register's journeys (add, record,
emergency summary, conflicting edits, without JavaScript) and reviewing the people the model finds."""

import re

import pytest
from browser_helpers import add_person, assert_accessible, fill_date, navigation_labels, sign_in, valid_nhs_number
from playwright.sync_api import expect


@pytest.fixture
def gp_page(page, demo_users):
    sign_in(page, "demo-gp")
    return page


def test_a_demo_gp_signs_in_and_sees_navigation_for_their_role(page, demo_users):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    expect(page.get_by_text("Synthetic data only")).to_be_visible()
    assert_accessible(page)

    sign_in(page, "demo-gp")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Asha Patel")
    expect(page.get_by_text("GP, Riverside Medical Centre")).to_be_visible()
    assert navigation_labels(page) == ["Home", "Find a service", "Find a person", "Register", "Worklists",
                                       "Finding people", "Population", "Outcomes", "Service gaps"]
    assert_accessible(page)
    assert page.console_errors == []


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
