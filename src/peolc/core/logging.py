"""Structured JSON logs that carry the request id and never a patient identifier.

Only the fields listed in ``SAFE_EXTRA_FIELDS`` are copied from a record's ``extra``: a log call cannot leak a name or
NHS number by passing it as an extra, and messages themselves are written by our code, which never formats one in.
Exceptions are not ours to word (a database's unique-constraint error quotes the key it met), so messages and
tracebacks are redacted too: the values of a database key, and anything shaped like an NHS number.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from peolc.core import context

SAFE_EXTRA_FIELDS = ("method", "route", "status", "duration_ms", "user_id", "event", "command", "count")
REDACTED = "[redacted]"
# Ten digits, alone or grouped 3-3-4 with spaces or hyphens: an NHS number however it was typed.
_NHS_NUMBER_SHAPED = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
# PostgreSQL's and SQLite's constraint details: "Key (nhs_number)=(9990000018) already exists".
_DATABASE_KEY = re.compile(r"(Key \([^)]*\)=\()[^)]*(\))")


def redact(text: str) -> str:
    """``text`` with database key values and NHS-number-shaped digits replaced by ``[redacted]``."""
    return _NHS_NUMBER_SHAPED.sub(REDACTED, _DATABASE_KEY.sub(rf"\g<1>{REDACTED}\g<2>", text))


class RequestIdFilter(logging.Filter):
    """Attach the current request id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", ""),
        }
        for field in SAFE_EXTRA_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)
