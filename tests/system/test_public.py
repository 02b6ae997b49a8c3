"""The public, without signing in: searching the directory of services, and the public pages."""

from __future__ import annotations

from datetime import date, time

import pytest
from browser_helpers import assert_accessible
from playwright.sync_api import expect


@pytest.fixture
def services(transactional_db):
    from django.utils import timezone

    from peolc.directory import models as m
    from peolc.directory.search import refresh_points
    from peolc.directory.taxonomy import install_taxonomy

    install_taxonomy(m.Taxonomy, m.TaxonomyTerm)  # a transactional test's flush empties the migration's terms
    m.Postcode.objects.bulk_create([
        m.Postcode(postcode="NG1 1AA", lsoa_code="E01000001", latitude=52.95, longitude=-1.15),
        m.Postcode(postcode="NG2 2BB", lsoa_code="E01000002", latitude=52.99, longitude=-1.15),
        m.Postcode(postcode="NG9 9ZZ", lsoa_code="E01000003", latitude=53.40, longitude=-1.15),
    ])
    org = m.DirectoryOrganization.objects.create(name="Example Hospice", description="A hospice.")
    term = m.TaxonomyTerm.objects.get(code="hospice-at-home")
    for name, postcode, lat in (("Near hospice at home", "NG2 2BB", 52.99), ("Far hospice at home", "NG9 9ZZ", 53.40)):
        service = m.Service.objects.create(organization=org, name=name, description="Nurses at home.",
                                           last_modified=timezone.now(), last_reviewed=date.today())
        m.Attribute.objects.create(service=service, taxonomy_term=term)
        m.Phone.objects.create(service=service, number="0115 000 0000")
        m.Schedule.objects.create(service=service, byday="MO,TU,WE,TH,FR,SA,SU", all_day=True,
                                  open_on_bank_holidays=True, opens_at=time(0))
        location = m.Location.objects.create(name=name, address_1="1 Example Road", city="Example",
                                             postal_code=postcode, latitude=lat, longitude=-1.15)
        m.ServiceAtLocation.objects.create(service=service, location=location)
    refresh_points(m.Service.objects.values_list("id", flat=True))


def test_search_by_postcode_and_need(page, services):
    page.goto("/directory/")
    assert_accessible(page)
    page.get_by_label("What do you need?").select_option(label="Hospice at home")
    page.get_by_label("Postcode (optional)").fill("ng1 1aa")
    page.get_by_label("Within").select_option(label="25 km")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 service found near NG1 1AA")).to_be_visible()
    expect(page.get_by_role("link", name="Near hospice at home")).to_be_visible()
    expect(page.get_by_text("Open 24 hours, every day")).to_be_visible()
    assert page.get_by_role("link", name="Far hospice at home").count() == 0
    assert_accessible(page)
    page.get_by_role("link", name="Near hospice at home").click()
    expect(page.get_by_role("heading", name="Near hospice at home", level=1)).to_be_visible()
    assert_accessible(page)
    assert not page.console_errors


def test_unknown_postcode_is_explained(page, services):
    page.goto("/directory/?postcode=ZZ1+1ZZ")
    expect(page.get_by_role("link", name="We could not find that postcode")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/accessibility/", "/privacy/"])
def test_public_pages_are_accessible(page, db, path):
    page.goto(path)
    assert_accessible(page)
