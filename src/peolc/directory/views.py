"""Pages: the public search and service pages, editors' pages, and the planners' gap map."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from peolc.core.csvfiles import csv_response
from peolc.core.disclosure import unsuppressed_areas
from peolc.core.permissions import Permission
from peolc.core.requests import AuthenticatedRequest
from peolc.core.views import apply_action_errors, permission_required, render_form_page
from peolc.directory import actions, forms, gaps, hours, search
from peolc.directory import models as m

PER_PAGE = 20
# As the API's paging: a page beyond this is no use to anyone and would overflow the database's OFFSET.
MAX_PAGE = 100_000


def _hours(service: m.Service, now) -> dict:
    schedules = list(service.schedules.all())
    return {"open_now": hours.is_open(schedules, now), "always": hours.is_24_7(schedules),
            "lines": [hours.describe(s) for s in schedules], "known": bool(schedules)}


@login_not_required
def search_page(request: HttpRequest) -> HttpResponse:
    """Find services by need, keyword and postcode. A plain GET form: works without JavaScript."""
    form = forms.SearchForm(request.GET or None)
    results = None
    status = 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        term = m.TaxonomyTerm.objects.filter(code=data["need"]).first() if data["need"] else None
        origin = None
        if data["postcode"]:
            try:
                origin = search.locate(data["postcode"])
            except search.UnknownPostcode:
                form.add_error("postcode", "We could not find that postcode. Check it and try again.")
        if not form.errors:
            page = _page_number(request.GET.get("page", ""))
            results = search.search(text=data["q"].strip(), term=term, origin=origin,
                                    radius_km=float(data["distance"] or 25), verified_only=data["verified"],
                                    today=timezone.localdate(), page=page, per_page=PER_PAGE)
            ids = [s.id for s, _ in results.items]
            detail = m.Service.objects.prefetch_related("schedules", "phones").in_bulk(ids)
            now = timezone.now()
            results.rows = [(detail[s.id], d, _hours(detail[s.id], now)) for s, d in results.items]
    if form.errors:
        status = 400
    return render_form_page(request, "directory/search.jinja", form, status=status, page_title="Find a service",
                            results=results, bank_holiday=hours.bank_holidays().get(timezone.localdate()))


@login_not_required
def service_page(request: HttpRequest, pk) -> HttpResponse:
    service = get_object_or_404(
        m.Service.objects.select_related("organization").prefetch_related(*search.FULL_PREFETCH), pk=pk)
    return render(request, "directory/service.jinja", {
        "page_title": service.name, "service": service, "hours": _hours(service, timezone.now()),
        "terms": [a.taxonomy_term for a in service.attributes.all()],
        "needs_review": service.needs_review(timezone.localdate()),
    })


@permission_required(Permission.MANAGE_DIRECTORY)
def manage(request: AuthenticatedRequest) -> HttpResponse:
    """An editor's services, with those overdue for review first."""
    today = timezone.localdate()
    services = list(actions.editable_services(request.user).order_by("name"))
    overdue = [s for s in services if s.needs_review(today)]
    return render(request, "directory/manage.jinja", {
        "page_title": "Your directory entries", "services": services, "overdue": overdue, "today": today,
    })


def _initial(service: m.Service) -> dict:
    initial = {f: getattr(service, f) for f in actions.SERVICE_FIELDS}
    initial.update(organization=service.organization_id,
                   terms=[a.taxonomy_term_id for a in service.attributes.all()],
                   phone=next((p.number for p in service.phones.all()), ""))
    link = service.service_at_locations.select_related("location").first()
    if link:
        initial.update(address_1=link.location.address_1, city=link.location.city,
                       postcode=link.location.postal_code)
    schedule = service.schedules.first()
    if schedule is None:
        initial["opening"] = "none"
    else:
        initial["opening"] = "24/7" if schedule.all_day else (
            "weekdays" if schedule.days == ["MO", "TU", "WE", "TH", "FR"] else "every-day")
        initial.update(opens_at=schedule.opens_at, closes_at=schedule.closes_at,
                       open_on_bank_holidays=schedule.open_on_bank_holidays)
    return initial


@permission_required(Permission.MANAGE_DIRECTORY)
def service_edit(request: AuthenticatedRequest, pk=None) -> HttpResponse:
    service = None
    if pk is not None:
        service = get_object_or_404(actions.editable_services(request.user), pk=pk)
    organizations = actions.editable_organizations(request.user)
    form = forms.ServiceForm(request.POST or None, organizations=organizations,
                             initial=_initial(service) if service else {"opening": "weekdays", "status": "active"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = actions.save_service(
                request.user, service, organization=data["organization"], terms=data["terms"],
                fields={f: data.get(f) for f in actions.SERVICE_FIELDS}, phone=data["phone"],
                address_1=data["address_1"], city=data["city"], postcode=data["postcode"], opening=data["opening"],
                opens_at=data["opens_at"], closes_at=data["closes_at"],
                open_on_bank_holidays=data["open_on_bank_holidays"],
            )
        except ValidationError as error:
            apply_action_errors(form, error)
        else:
            messages.success(request, f"{saved.name} saved.")
            return redirect("directory:manage")
    title = f"Edit {service.name}" if service else "Add a service"
    return render_form_page(request, "directory/service_form.jinja", form, page_title=title, edited=service)


@permission_required(Permission.MANAGE_DIRECTORY)
def service_review(request: AuthenticatedRequest, pk) -> HttpResponse:
    service = get_object_or_404(actions.editable_services(request.user), pk=pk)
    if request.method == "POST":
        actions.mark_reviewed(request.user, service)
        messages.success(request, f"{service.name} marked as checked today.")
        return redirect("directory:manage")
    return render(request, "directory/review.jinja", {"page_title": f"Confirm {service.name}", "service": service})


@permission_required(Permission.MANAGE_DIRECTORY)
def service_history(request: AuthenticatedRequest, pk) -> HttpResponse:
    service = get_object_or_404(actions.editable_services(request.user), pk=pk)
    changes = m.Metadata.objects.filter(resource_id=service.pk)[:200]
    return render(request, "directory/history.jinja", {
        "page_title": f"Changes to {service.name}", "service": service, "changes": changes})


@permission_required(Permission.MANAGE_DIRECTORY)
def import_page(request: AuthenticatedRequest) -> HttpResponse:
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            payload = actions.parse_import(form.cleaned_data["file"].read())
            counts = actions.import_services(request.user, payload)
        except ValidationError as error:
            problems = error.messages
            form.add_error("file", "The file has problems, listed below. Nothing was imported.")
        except PermissionDenied as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, f"Imported: {counts['created']} new, {counts['replaced']} replaced.")
            return redirect("directory:manage")
    return render_form_page(request, "directory/import.jinja", form, page_title="Import ORUK services",
                            problems=problems)


def _page_number(value: str) -> int:
    """A page number from the query string: plain digits, at most the API's limit, else the first page."""
    return min(int(value), MAX_PAGE) if value.isascii() and value.isdigit() and int(value) >= 1 else 1


def _gap_context(request: AuthenticatedRequest) -> dict:
    form = forms.GapForm(request.GET or None)
    # GapForm sets the term's choices to a list of (code, name); the stubs see a plain Field.
    choices: list[tuple[str, str]] = form.fields["term"].choices  # type: ignore[attr-defined]
    term_code = form.cleaned_data["term"] if form.is_valid() else (choices[0][0] if choices else None)
    within = float(form.cleaned_data.get("within") or 10) if form.is_valid() else 10.0
    term = m.TaxonomyTerm.objects.filter(code=term_code).first()
    per_area, points, everywhere = gaps.distances(term) if term else ([], [], False)
    return {"form": form, "term": term, "within": within, "per_area": per_area, "everywhere": everywhere,
            "svg": gaps.svg_points(per_area, points), "bands": gaps.DISTANCE_BANDS,
            "band_counts": [sum(1 for a in per_area if a.band == b) for b in gaps.DISTANCE_BANDS],
            "rows": gaps.coverage(within, unsuppressed_areas(request.user)), "areas_known": m.Area.objects.exists()}


@permission_required(Permission.VIEW_AGGREGATE_DATA)
def gap_map(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "directory/gaps.jinja", {"page_title": "Gaps in services", **_gap_context(request)})


@permission_required(Permission.VIEW_AGGREGATE_DATA)
def gap_map_csv(request: AuthenticatedRequest) -> HttpResponse:
    rows = _gap_context(request)["rows"]
    fields = ["term", "level", "code", "name", "available", "population", "deaths", "palliative_need",
              "share_within", "need_weighted_km"]
    return csv_response("directory-gaps.csv", fields, ([row.get(f, "") for f in fields] for row in rows))
