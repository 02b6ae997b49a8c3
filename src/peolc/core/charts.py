"""Interactive Plotly charts that are also plain tables.

A chart is a Plotly figure (data and layout as plain dicts) plus the table of numbers it draws. The page always
renders the table, so the numbers are there without JavaScript and for screen readers; with JavaScript, a small
module draws the figure with plotly.js. Tables can be downloaded as CSV by the view that owns them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.http import HttpResponse

NHS_BLUE = "#005eb8"
NHS_COLOURS = ("#005eb8", "#009639", "#ed8b00", "#7c2855", "#00a9ce", "#ffb81c", "#330072", "#da291c")


@dataclass
class Chart:
    """One chart: an id unique on its page, a caption, the Plotly traces and layout, and its data table."""

    id: str
    caption: str
    data: list[dict[str, Any]]
    layout: dict[str, Any] = field(default_factory=dict)
    columns: Sequence[str] = ()
    rows: Sequence[Sequence[Any]] = ()

    def spec_json(self) -> str:
        """The figure as JSON for the page (the `</` sequence escaped so it cannot close the script element)."""
        layout = {"font": {"family": "Arial, sans-serif", "size": 14}, "margin": {"t": 30, "r": 20, "b": 60, "l": 60},
                  "colorway": list(NHS_COLOURS), **self.layout}
        return json.dumps({"data": self.data, "layout": layout}, default=str).replace("</", "<\\/")


def allows_inline_styles(view):
    """Mark a view whose page draws charts: plotly.js sets inline styles, which the CSP otherwise refuses."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.csp_inline_styles = True
        return view(request, *args, **kwargs)

    return wrapped


def csv_response(filename: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A CSV download of a table."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(columns)
    writer.writerows(rows)
    return response
