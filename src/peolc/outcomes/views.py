"""The outcomes framework's pages: the overview by ambition, one page per indicator, and the health-equity audit."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string

from peolc.analytics import disclosure
from peolc.analytics.stats import funnel_limits_proportion
from peolc.core.charts import Chart, allows_inline_styles
from peolc.core.csvfiles import csv_response
from peolc.core.permissions import Permission
from peolc.core.requests import AuthenticatedRequest
from peolc.core.views import permission_required
from peolc.outcomes import equity_findings, queries
from peolc.outcomes import models as m

COMPARISON_TAGS = {"better": "nhsuk-tag--green", "worse": "nhsuk-tag--red", "similar": "nhsuk-tag--yellow",
                   "higher": "nhsuk-tag--blue", "lower": "nhsuk-tag--blue"}
CSV_COLUMNS = ["indicator_id", "period_type", "period", "area_type", "area_code", "area_name", "breakdown",
               "breakdown_value", "numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998",
               "benchmark_type", "benchmark_value", "comparison", "trend", "suppressed"]


def _context(request: AuthenticatedRequest, selection: queries.Selection | None) -> dict:
    return {
        "selection": selection, "period_types": queries.PERIOD_TYPE_LABELS,
        "periods": queries.periods(selection.period_type) if selection else [],
        "areas": queries.areas() if selection else [], "area_type_labels": queries.AREA_TYPE_LABELS,
        "comparison_tags": COMPARISON_TAGS, "aggregate_only": request.user.sees_aggregates_only,
    }


@permission_required(Permission.VIEW_AGGREGATE_DATA)
def overview(request: AuthenticatedRequest) -> HttpResponse:
    """Every indicator for one period and area, grouped by the national ambitions."""
    selection = queries.selection(request.GET)
    tiles: dict[int, list] = defaultdict(list)
    if selection is not None:
        values = queries.visible(m.IndicatorValue.objects.filter(
            period_type=selection.period_type, period=selection.period, area_code=selection.area_code,
            breakdown="all").select_related("indicator"), request.user)
        for value in sorted(values, key=lambda v: v.indicator.title):
            for ambition in value.indicator.ambitions:
                tiles[ambition].append(value)
    return render(request, "outcomes/overview.jinja", {
        "page_title": "End of life care outcomes", "ambitions": queries.ambition_titles(), "tiles": tiles,
        **_context(request, selection),
    })


@allows_inline_styles
@permission_required(Permission.VIEW_AGGREGATE_DATA)
def indicator(request: AuthenticatedRequest, indicator_id: str) -> HttpResponse:
    """One indicator: trend, areas compared, funnel plot, breakdowns, inequality and the data table."""
    indicator = get_object_or_404(m.Indicator, pk=indicator_id)
    selection = queries.selection(request.GET)
    if selection is None:
        raise Http404("No values are loaded for this indicator yet.")
    here = m.IndicatorValue.objects.filter(indicator=indicator, period_type=selection.period_type,
                                           period=selection.period)
    breakdowns = queries.visible(here.filter(area_code=selection.area_code).order_by("breakdown", "breakdown_value"),
                                 request.user)
    if request.GET.get("format") == "csv":
        rows = queries.visible(here.order_by("area_type", "area_code", "breakdown", "breakdown_value"), request.user)
        return csv_response(f"{indicator.id}-{selection.period}.csv", CSV_COLUMNS,
                            [[getattr(r, c) if c != "indicator_id" else indicator.id for c in CSV_COLUMNS]
                             for r in rows])
    trend = queries.visible(m.IndicatorValue.objects.filter(
        indicator=indicator, period_type=selection.period_type, area_code=selection.area_code, breakdown="all",
    ).order_by("period_order"), request.user)
    child_type = queries.CHILD_AREA_TYPE.get(selection.area_type, "practice")
    children = queries.visible(here.filter(area_type=child_type, breakdown="all").order_by("area_name"),
                               request.user)
    headline = next((b for b in breakdowns if b.breakdown == "all"), None)
    inequality = queries.visible_inequality(m.Inequality.objects.filter(
        indicator=indicator, period_type=selection.period_type, period=selection.period,
        area_code=selection.area_code).first(), request.user)
    practices = queries.visible(here.filter(area_type="practice", breakdown="all"), request.user)
    return render(request, "outcomes/indicator.jinja", {
        "page_title": indicator.title, "indicator": indicator, "headline": headline, "inequality": inequality,
        "trend_chart": _trend_chart(indicator, trend),
        "areas_chart": _areas_chart(indicator, children, headline, queries.AREA_TYPE_LABELS[child_type]),
        "funnel_chart": _funnel_chart(indicator, practices),
        "breakdown_charts": _breakdown_charts(indicator, breakdowns),
        "breakdowns": [b for b in breakdowns if b.breakdown != "all"],
        "breakdown_labels": queries.BREAKDOWN_LABELS, **_context(request, selection),
    })


def _fmt(value, digits: int = 1):
    return None if value is None else round(value, digits)


def _error_bars(rows) -> dict:
    return {"type": "data", "symmetric": False,
            "array": [None if r.upper_95 is None else r.upper_95 - r.value for r in rows],
            "arrayminus": [None if r.lower_95 is None else r.value - r.lower_95 for r in rows]}


def _table(rows, label) -> list[list]:
    return [[label(r), disclosure.SUPPRESSED if r.value is None and r.suppressed else _fmt(r.value), _fmt(r.lower_95),
             _fmt(r.upper_95), _fmt(r.numerator, 0), _fmt(r.denominator, 0)] for r in rows]


TABLE_COLUMNS = ["", "Value", "Lower 95% limit", "Upper 95% limit", "Numerator", "Denominator"]


def _trend_chart(indicator, rows) -> Chart:
    shown = [r for r in rows if r.value is not None]
    return Chart(
        id="trend", caption=f"Trend ({indicator.unit}), with 95% confidence intervals",
        data=[{"type": "scatter", "mode": "lines+markers", "name": indicator.title, "x": [r.period for r in shown],
               "y": [_fmt(r.value, 2) for r in shown], "error_y": _error_bars(shown)}],
        layout={"yaxis": {"title": {"text": indicator.unit}, "rangemode": "tozero"}, "showlegend": False},
        columns=["Period", *TABLE_COLUMNS[1:]], rows=_table(rows, lambda r: r.period),
    )


def _areas_chart(indicator, rows, headline, label) -> Chart:
    shown = [r for r in rows if r.value is not None]
    data = [{"type": "scatter", "mode": "markers", "name": label, "y": [r.area_name for r in shown],
             "x": [_fmt(r.value, 2) for r in shown], "orientation": "h",
             "error_x": {**_error_bars(shown)}, "marker": {"size": 9}}]
    if headline is not None and headline.value is not None:
        data.append({"type": "scatter", "mode": "lines", "name": "Selected area", "x": [headline.value] * 2,
                     "y": [shown[0].area_name, shown[-1].area_name] if shown else [], "line": {"dash": "dash"}})
    return Chart(
        id="areas", caption=f"{label} compared ({indicator.unit}), with 95% confidence intervals",
        data=data, layout={"xaxis": {"title": {"text": indicator.unit}}, "yaxis": {"automargin": True},
                           "height": max(300, 28 * len(shown) + 120), "showlegend": False},
        columns=[label, *TABLE_COLUMNS[1:]], rows=_table(rows, lambda r: r.area_name),
    )


def _funnel_chart(indicator, practices) -> Chart | None:
    """Practices' proportions against their denominators, with limits around the ICB's overall proportion."""
    shown = [r for r in practices if r.value is not None and r.denominator]
    if indicator.type != "proportion" or not shown:
        return None
    scale = 100.0 if indicator.unit == "%" else 1.0
    target = sum(r.numerator for r in shown) / sum(r.denominator for r in shown)
    n = np.linspace(max(1.0, min(r.denominator for r in shown) * 0.8), max(r.denominator for r in shown) * 1.1, 60)
    limits = {}
    for confidence, name in ((0.95, "95%"), (0.998, "99.8%")):
        lower, upper = funnel_limits_proportion(n, target, confidence)
        limits[name] = (lower * scale, upper * scale)
    data: list[dict[str, Any]]
    data = [{"type": "scatter", "mode": "markers", "name": "Practices", "x": [r.denominator for r in shown],
             "y": [_fmt(r.value, 2) for r in shown], "text": [r.area_name for r in shown], "marker": {"size": 9}},
            {"type": "scatter", "mode": "lines", "name": "ICB value", "x": [n[0], n[-1]],
             "y": [target * scale] * 2, "line": {"color": "#425563"}}]
    for name, dash in (("95%", "dash"), ("99.8%", "dot")):
        lower, upper = limits[name]
        for bound, values in (("lower", lower), ("upper", upper)):
            data.append({"type": "scatter", "mode": "lines", "name": f"{name} limit ({bound})", "x": n.tolist(),
                         "y": [round(float(v), 3) for v in values], "line": {"dash": dash, "color": "#768692"},
                         "showlegend": bound == "upper"})
    return Chart(
        id="funnel", caption="Funnel plot: practices against the number of people they cared for",
        data=data, layout={"xaxis": {"title": {"text": "Denominator"}}, "yaxis": {"title": {"text": indicator.unit}}},
        columns=["Practice", *TABLE_COLUMNS[1:]], rows=_table(shown, lambda r: r.area_name),
    )


# Age bands read youngest first; other breakdowns keep the pipeline's order (IMD quintile 1 = most deprived).
BREAKDOWN_ORDER = {"<65": 0, "65-74": 1, "75-84": 2, "85+": 3}


def _breakdown_charts(indicator, rows) -> list[Chart]:
    charts = []
    for key, label in queries.BREAKDOWN_LABELS.items():
        group = sorted((r for r in rows if r.breakdown == key),
                       key=lambda r: (BREAKDOWN_ORDER.get(r.breakdown_value, 9), r.breakdown_value))
        if not group:
            continue
        shown = [r for r in group if r.value is not None]
        charts.append(Chart(
            id=f"breakdown-{key}", caption=f"By {label[:1].lower()}{label[1:]} ({indicator.unit})",
            data=[{"type": "bar", "x": [r.breakdown_value for r in shown], "y": [_fmt(r.value, 2) for r in shown],
                   "error_y": _error_bars(shown), "marker": {"color": "#005eb8"}}],
            layout={"yaxis": {"title": {"text": indicator.unit}}, "xaxis": {"automargin": True}, "height": 320},
            columns=[label, *TABLE_COLUMNS[1:]], rows=_table(group, lambda r: r.breakdown_value),
        ))
    return charts


@permission_required(Permission.VIEW_AGGREGATE_DATA)
def equity_audit(request: AuthenticatedRequest) -> HttpResponse:
    """A printable health-equity audit for a year and an area, with findings written from the numbers."""
    params = request.GET.copy()
    if params.get("period_type") not in ("calendar_year", "financial_year"):
        params["period_type"] = "financial_year"
    selection = queries.selection(params)
    sections = []
    if selection is not None:
        here = m.IndicatorValue.objects.filter(period_type=selection.period_type, period=selection.period)
        for indicator in m.Indicator.objects.all():
            rows = queries.visible(here.filter(indicator=indicator, area_code=selection.area_code), request.user)
            child_type = queries.CHILD_AREA_TYPE.get(selection.area_type)
            children = queries.visible(here.filter(indicator=indicator, area_type=child_type, breakdown="all"),
                                       request.user) if child_type else []
            inequality = queries.visible_inequality(m.Inequality.objects.filter(
                indicator=indicator, period_type=selection.period_type, period=selection.period,
                area_code=selection.area_code).first(), request.user)
            items = equity_findings.breakdown_findings(indicator, rows, selection.area_name)
            items += equity_findings.area_findings(indicator, children)
            gradient = equity_findings.inequality_finding(indicator, inequality)
            if gradient:
                items.append(gradient)
            headline = next((r for r in rows if r.breakdown == "all"), None)
            sections.append({"indicator": indicator, "headline": headline, "findings": items})
    context = {"page_title": "Health-equity audit", "sections": sections,
               "breakdown_labels": queries.BREAKDOWN_LABELS, **_context(request, selection),
               "period_types": {k: v for k, v in queries.PERIOD_TYPE_LABELS.items()
                                if k in ("calendar_year", "financial_year")}}
    if request.GET.get("format") == "html" and selection is not None:
        html = render_to_string("outcomes/equity_audit_export.jinja", context, request=request)
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="health-equity-audit-{selection.period}.html"'
        return response
    return render(request, "outcomes/equity_audit.jinja", context)
