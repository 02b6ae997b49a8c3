"""ORUK import runs the same model validation as the editor, links only to web addresses, and has a size cap."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peolc.core.models import Organisation, User
from peolc.directory import actions
from peolc.directory import models as m


@pytest.fixture
def editor(directory):
    hospice = Organisation.objects.filter(type="hospice").order_by("code").first()
    return User.objects.create(username="editor", role="directory_editor", organisation=hospice)


@pytest.fixture
def exported(client, editor):
    client.force_login(editor)
    services = client.get("/directory/api/manage/export").json()["contents"]
    assert services
    return services


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>",
                                 "ftp://example.org/leaflet", "not a url"])
def test_an_imported_service_url_must_be_a_web_address(editor, exported, url):
    exported[0]["url"] = url
    before = {s.pk: s.url for s in m.Service.objects.all()}
    with pytest.raises(actions.ImportProblems) as problems:
        actions.import_services(editor, exported)
    assert any(f"services[0] ({exported[0]['name']}) url:" in p for p in problems.value.messages)
    assert {s.pk: s.url for s in m.Service.objects.all()} == before


def test_an_imported_value_too_long_for_its_field_is_a_problem_not_a_500(client, editor, exported):
    exported[0]["phones"] = [{"id": exported[0]["id"], "number": "0" * 60}]
    response = client.post("/directory/api/manage/import", data=json.dumps(exported),
                           content_type="application/json")
    assert response.status_code == 422
    assert any("services[0]" in p and "phones/0/number" in p for p in response.json()["errors"])


@pytest.mark.parametrize("field", ["url"])
def test_the_models_allow_only_http_and_https_links(editor, field):
    service = actions.editable_services(editor).first()
    setattr(service, field, "javascript:alert(1)")
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert field in error.value.message_dict
    organization = service.organization
    organization.website = "ftp://example.org/"
    with pytest.raises(ValidationError):
        organization.full_clean()


def test_a_stored_link_that_is_not_a_web_address_is_shown_as_text(client, editor):
    service = actions.editable_services(editor).first()
    m.Service.objects.filter(pk=service.pk).update(url="javascript:alert(1)")
    page = client.get(reverse("directory:service", args=[service.pk])).content.decode()
    assert 'href="javascript:' not in page
    assert "javascript:alert(1)" in page
    m.Service.objects.filter(pk=service.pk).update(url="https://example.org/hospice")
    page = client.get(reverse("directory:service", args=[service.pk])).content.decode()
    assert 'href="https://example.org/hospice"' in page


def test_an_import_file_over_the_size_cap_is_refused_on_the_page(client, editor, settings):
    settings.DIRECTORY_IMPORT_MAX_BYTES = 1024
    client.force_login(editor)
    before = m.Service.objects.count()
    upload = SimpleUploadedFile("big.json", b"[" + b" " * 2000 + b"]", content_type="application/json")
    response = client.post(reverse("directory:import"), {"file": upload})
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert m.Service.objects.count() == before


def test_an_import_body_over_the_size_cap_is_refused_by_the_api(client, editor, settings):
    settings.DIRECTORY_IMPORT_MAX_BYTES = 1024
    client.force_login(editor)
    response = client.post("/directory/api/manage/import", data="[" + " " * 2000 + "]",
                           content_type="application/json")
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe not utf-8", b"{not json"])
def test_an_import_that_is_not_json_is_a_clear_error(client, editor, body):
    client.force_login(editor)
    response = client.post(reverse("directory:import"),
                           {"file": SimpleUploadedFile("x.json", body, content_type="application/json")})
    assert response.status_code == 400
    assert "not JSON" in response.content.decode() or "nested" in response.content.decode()
    api = client.post("/directory/api/manage/import", data=body, content_type="application/json")
    assert api.status_code in (400, 422)


@pytest.mark.parametrize("page", ["abc", "0", "-3", "٣", "99999999999999999999999"])
def test_a_malformed_or_huge_page_number_on_the_public_search_is_not_a_500(client, directory, page):
    response = client.get("/directory/", {"q": "hospice", "page": page})
    assert response.status_code == 200
