"""Assertions that documents validate against the vendored ORUK 3.0 JSON schemas."""

from __future__ import annotations

from peolc.directory.actions import schema_validator


def assert_oruk(document, schema: str) -> None:
    """Fail with every error unless ``document`` validates against the vendored ORUK 3.0 schema ``schema``."""
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in schema_validator(schema).iter_errors(document)]
    assert not errors, errors[:10]


def assert_oruk_page(document, item_schema: str) -> None:
    """A page object whose every item validates against ``item_schema``."""
    assert_oruk(document, "page.json")
    for key in ("total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty"):
        assert key in document
    for item in document["contents"]:
        assert_oruk(item, item_schema)
