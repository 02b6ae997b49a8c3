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
