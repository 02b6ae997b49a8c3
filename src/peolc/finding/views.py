"""Finding people early: a practice's candidates, register prevalence and segmentation, and the model's quality."""

from __future__ import annotations

import numpy as np
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from peolc.analytics import disclosure
from peolc.core.charts import Chart, allows_inline_styles
from peolc.core.csvfiles import csv_response
from peolc.core.disclosure import unsuppressed_areas
from peolc.core.models import Organisation
from peolc.core.permissions import Permission
from peolc.core.requests import AuthenticatedRequest
from peolc.core.views import permission_required
from peolc.finding import actions
from peolc.finding import models as m
from peolc.register.adding import add_person_page

SEGMENT_LABELS = {"generally_well": "Generally well", "long_term_conditions": "Long-term conditions",
                  "complex_needs": "Complex needs", "last_year_of_life": "Last year of life"}
LEVEL_LABELS = {"practice": "Practice", "pcn": "Primary care network", "locality": "Locality", "ics": "ICS"}


def _latest_run() -> m.IdentificationRun | None:
    return m.IdentificationRun.objects.order_by("-loaded_at").first()


@permission_required(Permission.VIEW_CANDIDATES)
def candidates(request: AuthenticatedRequest) -> HttpResponse:
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
def add_candidate(request: AuthenticatedRequest, candidate_id) -> HttpResponse:
    """Review a candidate and add them to the register in one step; the candidate is then marked as added."""
    candidate = actions.open_candidate(request.user, candidate_id)
    return add_person_page(
        request,
        initial_person={"nhs_number": candidate.nhs_number, "practice": candidate.practice, "sex": candidate.sex},
        initial_entry={"identification_route": "search_candidate"},
        on_added=lambda person: _mark_added(request, candidate, person),
        candidate=candidate,
    )


def _mark_added(request: AuthenticatedRequest, candidate: m.Candidate, person) -> None:
    if person.patient_id is None:
        person.patient_id = candidate.patient_id
        person.save(update_fields=["patient_id"])
    actions.review_candidate(request.user, candidate, m.CandidateStatus.ADDED)


@require_POST
@permission_required(Permission.VIEW_CANDIDATES)
def review_candidate(request: AuthenticatedRequest, candidate_id) -> HttpResponse:
    candidate = actions.candidate_for(request.user, candidate_id)
    try:
        actions.review_candidate(request.user, candidate, m.CandidateStatus.NOT_APPROPRIATE,
                                 request.POST.get("note", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Review recorded.")
    return redirect(f"{reverse('finding:candidates')}?practice={candidate.practice.code}")


PREVALENCE_COUNTS = ("on_register", "candidates", "observed_deaths_prior_year")


def _parents(codes) -> dict[str, str]:
    """Each organisation's parent code, for the areas the tables hold (practice → PCN → locality → ICB)."""
    return dict(Organisation.objects.filter(code__in=codes, parent__isnull=False)
                .values_list("code", "parent__code"))


def _area_links(keys: list[tuple[str, str]], parents: dict[str, str]) -> list[disclosure.Sum]:
    """Sums linking the cells ``keys`` ((area code, column) each): child areas add up to their parent, column by
    column."""
    position = {key: i for i, key in enumerate(keys)}
    children: dict[tuple[str, str], list[int]] = {}
    for (code, column), i in position.items():
        parent = (parents.get(code), column)
        if parent in position:
            children.setdefault(parent, []).append(i)
    return [disclosure.Sum(parts=parts, total=position[parent]) for parent, parts in children.items()]


def _suppressed(counts: dict[tuple[str, str], int], sums_for, own: frozenset[str]) -> dict[tuple[str, str], bool]:
    """Which cells to show as suppressed to a user whose own areas are ``own``: the disclosure policy over every
    level at once (a user can read each level and subtract), then the user's own areas shown in full."""
    keys = list(counts)
    hidden = disclosure.suppress_counts([counts[k] for k in keys], sums_for(keys))
    return {key: bool(hide) and key[0] not in own for key, hide in zip(keys, hidden, strict=True)}


@allows_inline_styles
@permission_required(Permission.VIEW_AGGREGATE_DATA)
def population(request: AuthenticatedRequest) -> HttpResponse:
    """Register prevalence against expected deaths, and the population by segment, for every area."""
    run = _latest_run()
    level = request.GET.get("level", "practice")
    if level not in LEVEL_LABELS:
        level = "practice"
    aggregate_only = request.user.sees_aggregates_only
    own = unsuppressed_areas(request.user)
    names = dict(Organisation.objects.values_list("code", "name"))
    prevalence, segments, chart = [], [], None
    if run is not None:
        rows = list(run.prevalence.order_by("org_code"))
        parents = _parents({r.org_code for r in rows})
        hidden = _suppressed({(r.org_code, c): getattr(r, c) for r in rows for c in PREVALENCE_COUNTS},
                             lambda keys: _area_links(keys, parents), own)
        for row in (r for r in rows if r.level == level):
            shown = {c: disclosure.SUPPRESSED if hidden[(row.org_code, c)] else getattr(row, c)
                     for c in PREVALENCE_COUNTS}
            # Percentages and ratios of a suppressed count would give it back (the list size is published).
            register_hidden = hidden[(row.org_code, "on_register")]
            prevalence.append({
                "area": names.get(row.org_code, row.org_code), "code": row.org_code, "list_size": row.list_size,
                "on_register": shown["on_register"],
                "prevalence": 100 * row.on_register / row.list_size if row.list_size and not register_hidden
                else None,
                "expected": row.expected_deaths_12m,
                "expected_pct": 100 * row.expected_deaths_12m / row.list_size if row.list_size else None,
                "ratio": row.on_register / row.expected_deaths_12m if row.expected_deaths_12m and not register_hidden
                else None,
                "candidates": shown["candidates"],
                "deaths": shown["observed_deaths_prior_year"],
            })
        segments = _segment_table(run, level, names, own)
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
        "segment_labels": SEGMENT_LABELS, "aggregate_only": aggregate_only, "suppressed_marker": disclosure.SUPPRESSED,
    })


def _round(value, digits: int = 3):
    return round(value, digits) if isinstance(value, float) else value


def _segment_table(run, level, names, own: frozenset[str]) -> list[dict]:
    """People per segment of each area at ``level``; suppression is decided over every level, since segments add
    up to each area's total and child areas to their parent."""
    totals: dict[str, dict[str, int]] = {}
    for row in run.segments.all():
        totals.setdefault(row.org_code, dict.fromkeys(SEGMENT_LABELS, 0))[row.segment] += row.people
    levels = dict(run.segments.values_list("org_code", "level").distinct())
    parents = _parents(totals)
    counts = {(code, s): n for code, by_segment in totals.items() for s, n in by_segment.items()}
    counts |= {(code, "total"): sum(by_segment.values()) for code, by_segment in totals.items()}

    def sums(keys):
        position = {key: i for i, key in enumerate(keys)}
        within = [disclosure.Sum(parts=[position[(code, s)] for s in SEGMENT_LABELS], total=position[(code, "total")])
                  for code in totals]
        return within + _area_links(keys, parents)

    hidden = _suppressed(counts, sums, own)
    table = []
    for code in sorted(c for c in totals if levels.get(c) == level):
        table.append({"area": names.get(code, code), "code": code,
                      "total": disclosure.SUPPRESSED if hidden[(code, "total")] else counts[(code, "total")],
                      **{s: disclosure.SUPPRESSED if hidden[(code, s)] else counts[(code, s)] for s in SEGMENT_LABELS}})
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


def _calibration_bins(bins: list[dict]) -> list[dict]:
    """Calibration tenths with deaths (and the observed risk made from them) through the small-number policy: the
    tenths add up to the published number of deaths, and each tenth's survivors are its size less its deaths."""
    size = len(bins)
    counts = [b["events"] for b in bins] + [b["n"] - b["events"] for b in bins]
    # The total deaths and each tenth's size are published on the page.
    sums = [disclosure.Sum(parts=list(range(size)))] + [disclosure.Sum(parts=[i, size + i]) for i in range(size)]
    unpublished = np.arange(2 * size) >= size
    hidden = disclosure.suppress_counts(counts, sums, hidden=disclosure.primary(
        np.array([b["events"] for b in bins]), np.array([b["n"] for b in bins])).tolist() + [False] * size,
        unpublished=unpublished)
    return [{**b, "events": disclosure.SUPPRESSED, "observed": None} if hide else b
            for b, hide in zip(bins, hidden[:size], strict=True)]


@allows_inline_styles
@permission_required(Permission.VIEW_AGGREGATE_DATA)
def model_performance(request: AuthenticatedRequest) -> HttpResponse:
    """How well the risk model discriminates and is calibrated on a later year it was not fitted on."""
    run = _latest_run()
    calibration_chart = None
    if run is not None:
        bins = _calibration_bins([b for b in run.calibration if b["model"] == "model"])
        top = max([b["predicted"] for b in bins] + [b["observed"] or 0 for b in bins] + [0.01])
        calibration_chart = Chart(
            id="calibration", caption="Calibration on the hold-out year: observed against predicted risk, by tenth",
            data=[
                {"type": "scatter", "mode": "lines", "name": "Perfect calibration", "x": [0, top], "y": [0, top],
                 "line": {"dash": "dash", "color": "#768692"}},
                {"type": "scatter", "mode": "lines+markers", "name": "peolc model",
                 "x": [b["predicted"] for b in bins if b["observed"] is not None],
                 "y": [b["observed"] for b in bins if b["observed"] is not None]},
            ],
            layout={"xaxis": {"title": {"text": "Predicted 12-month risk"}, "tickformat": ".0%"},
                    "yaxis": {"title": {"text": "Observed deaths within 12 months"}, "tickformat": ".0%"}},
            columns=["Tenth", "People", "Predicted risk", "Observed risk", "Deaths"],
            rows=[[b["bin"], b["n"], f"{b['predicted']:.2%}",
                   disclosure.SUPPRESSED if b["observed"] is None else f"{b['observed']:.2%}", b["events"]]
                  for b in bins],
        )
    return render(request, "finding/model.jinja", {
        "page_title": "How well the risk model works", "run": run, "calibration_chart": calibration_chart,
    })
