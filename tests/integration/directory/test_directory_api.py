"""The public ORUK 3.0 API: every response validated against the vendored ORUK schemas."""

from __future__ import annotations

import pytest
from oruk_schemas import assert_oruk, assert_oruk_page

from peolc.directory import models as m

API = "/directory/api/"


def _get(client, path, status=200, **params):
    response = client.get(API + path, params)
    assert response.status_code == status, response.content[:500]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response


def test_root_gives_the_oruk_version(client, directory):
    body = _get(client, "").json()
    assert body["version"] == "3.0"
    assert_oruk(body, "api_meta.json")
    assert _get(client, "openapi.json").json()["openapi"].startswith("3.")


def test_services_page_validates_and_omits_empty_fields(client, directory):
    body = _get(client, "services", per_page=5).json()
    assert_oruk_page(body, "service_list.json")
    assert body["total_items"] == m.Service.objects.count() and body["size"] == 5 and body["first_page"]
    for item in body["contents"]:
        assert None not in item.values() and "" not in item.values()


def test_every_service_validates_fully_nested(client, directory):
    for service in m.Service.objects.all():
        body = _get(client, f"services/{service.id}").json()
        assert_oruk(body, "service.json")
        assert body["attributes"] and body["schedules"]


def test_search_by_postcode_and_term_is_nearest_first(client, directory):
    location = m.Location.objects.filter(service_at_locations__service__attributes__taxonomy_term__code=
                                         "hospice-at-home").first()
    body = _get(client, "services", postcode=location.postal_code.replace(" ", "").lower(),
                taxonomy_term_id="hospice-at-home", proximity=50_000).json()
    assert_oruk_page(body, "service_list.json")
    distances = [item["distance"] for item in body["contents"] if "distance" in item]
    assert distances and distances == sorted(distances) and distances[0] < 1000
    for item in body["contents"]:
        service = m.Service.objects.get(pk=item["id"])
        assert service.attributes.filter(taxonomy_term__code="hospice-at-home").exists()


def test_term_by_id_and_text_search(client, directory):
    term = m.TaxonomyTerm.objects.get(code="bereavement-support")
    by_id = _get(client, "services", taxonomy_term_id=str(term.id)).json()
    assert by_id["total_items"] >= 2
    body = _get(client, "services", search="bereavement counselling").json()
    assert_oruk_page(body, "service_list.json")
    assert all("ereave" in (i["name"] + i.get("description", "")) for i in body["contents"])


def test_modified_after_and_verified(client, directory):
    assert _get(client, "services", modified_after="2999-01-01T00:00:00Z").json()["empty"] is True
    verified = _get(client, "services", verified="true", per_page=200).json()
    assert verified["total_items"] < m.Service.objects.count()


def test_service_at_locations_organizations_and_taxonomies(client, directory):
    sal = _get(client, "service_at_locations", per_page=10).json()
    assert_oruk_page(sal, "service_at_location.json")
    first = m.ServiceAtLocation.objects.first()
    assert_oruk(_get(client, f"service_at_locations/{first.id}").json(), "service_at_location.json")
    orgs = _get(client, "organizations").json()
    assert_oruk_page(orgs, "organization.json")
    org = m.DirectoryOrganization.objects.exclude(organisation=None).first()
    detail = _get(client, f"organizations/{org.id}").json()
    assert_oruk(detail, "organization.json")
    assert detail["organization_identifiers"][0]["identifier"] == org.organisation.code
    assert_oruk_page(_get(client, "taxonomies").json(), "taxonomy.json")
    terms = _get(client, "taxonomy_terms", per_page=200).json()
    assert_oruk_page(terms, "taxonomy_term.json")
    assert {t["code"] for t in terms["contents"]} >= {"hospice-at-home", "advice-line-24-7", "equipment"}


@pytest.mark.parametrize(("path", "params", "status"), [
    ("services", {"page": "0"}, 400),
    ("services", {"per_page": "abc"}, 400),
    ("services", {"postcode": "not a postcode"}, 400),
    ("services", {"postcode": "ZZ9 9ZZ"}, 400),
    ("services", {"taxonomy_term_id": "no-such-term"}, 400),
    ("services/not-a-uuid", {}, 404),
    ("services/00000000-0000-0000-0000-000000000000", {}, 404),
    ("organizations/xyz", {}, 404),
])
def test_bad_input_is_a_problem_not_a_server_error(client, directory, path, params, status):
    response = _get(client, path, status, **params)
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"]


def test_write_api_needs_sign_in(client, db):
    assert client.get(API + "manage/export").status_code == 302
