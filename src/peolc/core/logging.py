"""Structured JSON logs that carry the request id and never a patient identifier.

Only the fields listed in ``SAFE_EXTRA_FIELDS`` are copied from a record's ``extra``: a log call cannot leak a name or
NHS number by passing it as an extra, and messages themselves are written by our code, which never formats one in.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from peolc.core import context

SAFE_EXTRA_FIELDS = ("method", "route", "status", "duration_ms", "user_id", "event", "command", "count")


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
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        for field in SAFE_EXTRA_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
