"""Interactive Plotly charts that are also plain tables.

A chart is a Plotly figure (data and layout as plain dicts) plus the table of numbers it draws. The page always
renders the table, so the numbers are there without JavaScript and for screen readers; with JavaScript, a small
module draws the figure with plotly.js. Tables can be downloaded as CSV by the view that owns them
(``peolc.core.csvfiles``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

# Characters that could end or confuse the <script> element the JSON sits in (as Django's json_script escapes them,
# plus the line separators some parsers treat as line ends); JSON.parse reads the escapes back unchanged.
SCRIPT_SAFE_JSON = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                    0x2028: "\\u2028", 0x2029: "\\u2029"}

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
        """The figure as JSON to embed in a ``<script type="application/json">`` element, with nothing that could
        close or comment out the element."""
        layout = {"font": {"family": "Arial, sans-serif", "size": 14}, "margin": {"t": 30, "r": 20, "b": 60, "l": 60},
                  "colorway": list(NHS_COLOURS), **self.layout}
        return json.dumps({"data": self.data, "layout": layout}, default=str).translate(SCRIPT_SAFE_JSON)


def allows_inline_styles(view):
    """Mark a view whose page draws charts: plotly.js sets inline styles, which the CSP otherwise refuses."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.csp_inline_styles = True
        return view(request, *args, **kwargs)

    return wrapped
