"""Schemathesis explores the public ORUK API from its OpenAPI document: no input may cause a server error, and
every successful response must still validate against the ORUK 3.0 schemas."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from oruk_schemas import assert_oruk, assert_oruk_page
from schemathesis.checks import not_a_server_error

from peolc.config.wsgi import application  # noqa: E402 - pytest-django has configured Django by now

# The OpenAPI view needs no database, so the schema can be read through the WSGI app when tests are collected.
schema = schemathesis.openapi.from_wsgi("/directory/api/openapi.json", application)


@pytest.fixture
def open_connection():
    """Keep the test's database connection across WSGI requests, as Django's own test client does."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


ITEM_SCHEMAS = {"/services": "service_list.json", "/service_at_locations": "service_at_location.json",
                "/organizations": "organization.json", "/taxonomies": "taxonomy.json",
                "/taxonomy_terms": "taxonomy_term.json"}


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case, directory, open_connection):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code == 200 and case.path in ITEM_SCHEMAS:
        assert_oruk_page(response.json(), ITEM_SCHEMAS[case.path])
    elif response.status_code == 200 and case.path == "/services/{service_id}":
        assert_oruk(response.json(), "service.json")
    elif response.status_code in (400, 404):
        headers = {k.lower(): v for k, v in response.headers.items()}
        assert "application/problem+json" in str(headers["content-type"])
