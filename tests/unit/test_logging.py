import json
import logging

from peolc.core import context
from peolc.core.logging import JsonFormatter, RequestIdFilter


def _format(record: logging.LogRecord) -> dict:
    RequestIdFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def _record(**extra) -> logging.LogRecord:
    record = logging.LogRecord("peolc.test", logging.INFO, __file__, 1, "something happened", None, None)
    record.__dict__.update(extra)
    return record


def test_log_lines_are_json_with_the_request_id():
    token = context.request_id.set("abc123def456")
    try:
        entry = _format(_record(route="register/<uuid:pk>/", status=200))
    finally:
        context.request_id.reset(token)
    assert entry["request_id"] == "abc123def456"
    assert entry["message"] == "something happened"
    assert entry["route"] == "register/<uuid:pk>/"
    assert entry["level"] == "INFO"


def test_unlisted_extra_fields_never_reach_the_log():
    entry = _format(_record(nhs_number="9990000018", patient_name="Jane Doe", status=200))
    serialised = json.dumps(entry)
    assert "9990000018" not in serialised
    assert "Jane Doe" not in serialised
    assert entry["status"] == 200


def test_an_exception_carrying_an_nhs_number_or_a_database_key_is_logged_without_them():
    try:
        raise ValueError('duplicate key value violates unique constraint\nDETAIL:  Key (nhs_number)=(9990000018) '
                         'already exists. Also typed as 999 000 0026 and 999-000-0034.')
    except ValueError:
        import sys

        record = logging.LogRecord("peolc.test", logging.ERROR, __file__, 1, "unhandled for 9990000042", None,
                                   sys.exc_info())
    serialised = json.dumps(_format(record))
    for number in ("9990000018", "999 000 0026", "999-000-0034", "9990000042"):
        assert number not in serialised
    assert "Key (nhs_number)=([redacted])" in serialised
