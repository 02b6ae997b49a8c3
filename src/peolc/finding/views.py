"""Finding people early: a practice's candidates, register prevalence and segmentation, and the model's quality."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from peolc.core.charts import Chart, allows_inline_styles, csv_response
from peolc.core.models import Organisation
from peolc.core.permissions import Permission
from peolc.core.views import permission_required
from peolc.finding import actions
from peolc.finding import models as m
from peolc.register.views import add_person_page

SMALLEST_SHOWN = 8
SEGMENT_LABELS = {"generally_well": "Generally well", "long_term_conditions": "Long-term conditions",
                  "complex_needs": "Complex needs", "last_year_of_life": "Last year of life"}
LEVEL_LABELS = {"practice": "Practice", "pcn": "Primary care network", "locality": "Locality", "ics": "ICS"}


def _latest_run() -> m.IdentificationRun | None:
    return m.IdentificationRun.objects.order_by("-loaded_at").first()


@permission_required(Permission.VIEW_CANDIDATES)
def candidates(request: HttpRequest) -> HttpResponse:
    practices = list(actions.practices_in_scope(request.user).order_by("name"))
    chosen = next((p for p in practices if p.code == request.GET.get("practice")), practices[0] if practices else None)
    show = request.GET.get("show", m.CandidateStatus.TO_REVIEW)
    rows = []
    if chosen is not None:
        rows = actions.open_candidates(request.user, chosen, show if show in m.CandidateStatus.values else None)
    return render(request, "finding/candidates.jinja", {
        "page_title": "People who may be in their last year of life", "practices": practices, "chosen": chosen,
        "candidates": rows, "show": show, "statuses": m.CandidateStatus.choices, "run": _latest_run(),
    })


@permission_required(Permission.ADD_TO_REGISTER)
def add_candidate(request: HttpRequest, candidate_id) -> HttpResponse:
    """Review a candidate and add them to the register in one step; the candidate is then marked as added."""
    candidate = actions.open_candidate(request.user, candidate_id)
    return add_person_page(
        request,
        initial_person={"nhs_number": candidate.nhs_number, "practice": candidate.practice, "sex": candidate.sex},
        initial_entry={"identification_route": "search_candidate"},
        on_added=lambda person: _mark_added(request, candidate, person),
        candidate=candidate,
    )


def _mark_added(request: HttpRequest, candidate: m.Candidate, person) -> None:
    if person.patient_id is None:
        person.patient_id = candidate.patient_id
        person.save(update_fields=["patient_id"])
    actions.review_candidate(request.user, candidate, m.CandidateStatus.ADDED)


@require_POST
@permission_required(Permission.VIEW_CANDIDATES)
def review_candidate(request: HttpRequest, candidate_id) -> HttpResponse:
    candidate = actions.candidate_for(request.user, candidate_id)
    try:
        actions.review_candidate(request.user, candidate, m.CandidateStatus.NOT_APPROPRIATE,
                                 request.POST.get("note", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Review recorded.")
    return redirect(f"{reverse('finding:candidates')}?practice={candidate.practice.code}")


def suppress(value: int | float, aggregate_only: bool) -> str | int | float:
    """Counts from 1 to 7 are hidden from aggregate-only users, so no one can be singled out."""
    if aggregate_only and isinstance(value, int) and 0 < value < SMALLEST_SHOWN:
        return "<8"
    return value


@allows_inline_styles
@permission_required(Permission.VIEW_AGGREGATE_DATA)
def population(request: HttpRequest) -> HttpResponse:
    """Register prevalence against expected deaths, and the population by segment, for every area."""
    run = _latest_run()
    level = request.GET.get("level", "practice")
    if level not in LEVEL_LABELS:
        level = "practice"
    aggregate_only = request.user.sees_aggregates_only
    names = dict(Organisation.objects.values_list("code", "name"))
    prevalence, segments, chart = [], [], None
    if run is not None:
        for row in run.prevalence.filter(level=level).order_by("org_code"):
            prevalence.append({
                "area": names.get(row.org_code, row.org_code), "code": row.org_code, "list_size": row.list_size,
                "on_register": suppress(row.on_register, aggregate_only),
                "prevalence": 100 * row.on_register / row.list_size if row.list_size else None,
                "expected": row.expected_deaths_12m,
                "expected_pct": 100 * row.expected_deaths_12m / row.list_size if row.list_size else None,
                "ratio": row.on_register / row.expected_deaths_12m if row.expected_deaths_12m else None,
                "candidates": suppress(row.candidates, aggregate_only),
                "deaths": suppress(row.observed_deaths_prior_year, aggregate_only),
            })
        segments = _segment_table(run, level, names, aggregate_only)
        chart = _prevalence_chart(prevalence)
    if request.GET.get("format") == "csv":
        return csv_response(f"register-prevalence-{level}.csv",
                            ["area", "code", "list_size", "on_register", "register_prevalence_pct",
                             "expected_deaths_12m", "expected_pct", "register_to_expected", "candidates",
                             "deaths_prior_year"],
                            [[r["area"], r["code"], r["list_size"], r["on_register"], _round(r["prevalence"]),
                              _round(r["expected"]), _round(r["expected_pct"]), _round(r["ratio"]),
                              r["candidates"], r["deaths"]] for r in prevalence])
    return render(request, "finding/population.jinja", {
        "page_title": "Register prevalence and population segments", "run": run, "level": level,
        "levels": LEVEL_LABELS, "prevalence": prevalence, "segments": segments, "prevalence_chart": chart,
        "segment_labels": SEGMENT_LABELS, "aggregate_only": aggregate_only,
    })


def _round(value, digits: int = 3):
    return round(value, digits) if isinstance(value, float) else value


def _segment_table(run, level, names, aggregate_only) -> list[dict]:
    totals: dict[str, dict[str, int]] = {}
    for row in run.segments.filter(level=level):
        totals.setdefault(row.org_code, dict.fromkeys(SEGMENT_LABELS, 0))[row.segment] += row.people
    table = []
    for code in sorted(totals):
        counts = totals[code]
        table.append({"area": names.get(code, code), "code": code, "total": sum(counts.values()),
                      **{s: suppress(counts[s], aggregate_only) for s in SEGMENT_LABELS}})
    return table


def _prevalence_chart(rows: list[dict]) -> Chart:
    areas = [r["area"] for r in rows]
    return Chart(
        id="prevalence", caption="People on the register and people expected to die within 12 months, % of the list",
        data=[
            {"type": "bar", "name": "On the register (%)", "x": areas, "y": [_round(r["prevalence"]) for r in rows]},
            {"type": "scatter", "mode": "markers", "name": "Expected to die in 12 months (%)", "x": areas,
             "y": [_round(r["expected_pct"]) for r in rows], "marker": {"size": 10, "symbol": "diamond"}},
        ],
        layout={"yaxis": {"title": {"text": "% of registered list"}}, "legend": {"orientation": "h", "y": 1.12},
                "xaxis": {"automargin": True, "tickangle": -30}},
        columns=["Area", "On the register (%)", "Expected to die in 12 months (%)"],
        rows=[[r["area"], _round(r["prevalence"]), _round(r["expected_pct"])] for r in rows],
    )


@allows_inline_styles
@permission_required(Permission.VIEW_AGGREGATE_DATA)
def model_performance(request: HttpRequest) -> HttpResponse:
    """How well the risk model discriminates and is calibrated on a later year it was not fitted on."""
    run = _latest_run()
    calibration_chart = None
    if run is not None:
        bins = [b for b in run.calibration if b["model"] == "model"]
        top = max([b["predicted"] for b in bins] + [b["observed"] for b in bins] + [0.01])
        calibration_chart = Chart(
            id="calibration", caption="Calibration on the hold-out year: observed against predicted risk, by tenth",
            data=[
                {"type": "scatter", "mode": "lines", "name": "Perfect calibration", "x": [0, top], "y": [0, top],
                 "line": {"dash": "dash", "color": "#768692"}},
                {"type": "scatter", "mode": "lines+markers", "name": "peolc model",
                 "x": [b["predicted"] for b in bins], "y": [b["observed"] for b in bins]},
            ],
            layout={"xaxis": {"title": {"text": "Predicted 12-month risk"}, "tickformat": ".0%"},
                    "yaxis": {"title": {"text": "Observed deaths within 12 months"}, "tickformat": ".0%"}},
            columns=["Tenth", "People", "Predicted risk", "Observed risk", "Deaths"],
            rows=[[b["bin"], b["n"], f"{b['predicted']:.2%}", f"{b['observed']:.2%}", b["events"]] for b in bins],
        )
    return render(request, "finding/model.jinja", {
        "page_title": "How well the risk model works", "run": run, "calibration_chart": calibration_chart,
    })
