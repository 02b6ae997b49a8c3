"""The Open Referral UK 3.0 API: public read endpoints, and an authenticated area for editors' writes.

Read endpoints are public (no sign-in) and send ``Access-Control-Allow-Origin: *`` so other directories and
browsers anywhere can consume them; see ``urls.py`` for how they are marked. Every error is an RFC 9457 problem
(``application/problem+json``), never an HTML page, and bad input is a 4xx, never a 500.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth
from pydantic import Field

from peolc.core.permissions import Permission
from peolc.directory import actions, oruk, search
from peolc.directory import models as m


class _NestedNinjaAPI(NinjaAPI):
    """A NinjaAPI whose namespace sits inside the directory app's (``directory:directory-api``)."""

    def get_root_path(self, path_params: dict) -> str:
        return reverse(f"directory:{self.urls_namespace}:api-root", kwargs=path_params)


api = _NestedNinjaAPI(
    title="peolc directory of palliative and end of life care services (Open Referral UK 3.0)",
    version="3.0",
    description="Read-only, public Open Referral UK 3.0 API. Distances are in metres, as ORUK's proximity.",
    urls_namespace="directory-api",
    docs_url=None,  # the interactive docs page loads scripts from a CDN, which our CSP and offline use forbid
)


def problem(request: HttpRequest, status: int, title: str, detail: str = "", **extra) -> JsonResponse:
    """An RFC 9457 problem details response."""
    body = {"type": "about:blank", "title": title, "status": status, "instance": request.path, **extra}
    if detail:
        body["detail"] = detail
    return JsonResponse(body, status=status, content_type="application/problem+json")


@api.exception_handler(NinjaValidationError)
def _invalid(request, error):
    details = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in error.errors]
    return problem(request, 400, "Invalid request", "; ".join(details), errors=details)


@api.exception_handler(Http404)
def _not_found(request, error):
    return problem(request, 404, "Not found", "No record has this id.")


@api.exception_handler(search.UnknownPostcode)
def _postcode(request, error):
    return problem(request, 400, "Unknown postcode", str(error))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, error):
    return problem(request, 401, "Sign in required")


@api.exception_handler(PermissionDenied)
def _forbidden(request, error):
    return problem(request, 403, "Forbidden", str(error))


@api.exception_handler(HttpError)
def _http_error(request, error):
    return problem(request, error.status_code, "Request refused", str(error))


@api.exception_handler(actions.ImportProblems)
def _import_problems(request, error):
    return problem(request, 422, "The import was rejected; nothing was saved", errors=error.messages)


@api.exception_handler(DjangoValidationError)
def _django_invalid(request, error):
    return problem(request, 422, "Invalid data", "; ".join(error.messages), errors=error.messages)


def _url_for(request: HttpRequest):
    def url_for(service: m.Service) -> str:
        return request.build_absolute_uri(reverse("directory:service", args=[service.id]))

    return url_for


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise Http404 from error


class Paging(Schema):
    page: int = Field(1, ge=1, le=100_000, description="Page number, from 1.")
    per_page: int = Field(50, ge=1, le=200, description="Results per page (at most 200).")


class ServiceQuery(Paging):
    search: str | None = Field(None, max_length=200, description="Words to find in names and descriptions.")
    taxonomy_term_id: str | None = Field(None, max_length=60, description="A taxonomy term's id or code.")
    postcode: str | None = Field(None, max_length=10, description="Order by distance from this postcode.")
    proximity: int | None = Field(None, ge=1, le=500_000,
                                  description="With postcode: only services within this many metres (default 50 km).")
    modified_after: datetime | None = Field(None, description="Only services changed at or after this time.")
    verified: bool = Field(False, description="Only entries reviewed in the last six months.")


def _term(value: str | None) -> m.TaxonomyTerm | None:
    if not value:
        return None
    try:
        return m.TaxonomyTerm.objects.get(id=uuid.UUID(value))
    except (ValueError, m.TaxonomyTerm.DoesNotExist):
        term = m.TaxonomyTerm.objects.filter(code=value).first()
        if term is None:
            raise HttpError(400, f"Unknown taxonomy term {value!r}.") from None
        return term


def _run(query: ServiceQuery) -> search.Results:
    origin = search.locate(query.postcode) if query.postcode else None
    modified = query.modified_after
    if modified is not None and timezone.is_naive(modified):
        modified = timezone.make_aware(modified, timezone.get_current_timezone())
    return search.search(
        text=(query.search or "").strip(), term=_term(query.taxonomy_term_id), origin=origin,
        radius_km=query.proximity / 1000 if query.proximity else None, modified_after=modified,
        verified_only=query.verified, today=timezone.localdate(), page=query.page, per_page=query.per_page,
    )


@api.get("/", summary="API and ORUK version information", operation_id="getAPIMetaInformation")
def meta(request):
    return {"version": oruk.ORUK_VERSION, "profile": oruk.ORUK_PROFILE,
            "openapi_url": request.build_absolute_uri(reverse("directory:directory-api:openapi-json"))}


@api.get("/services", summary="Search services (paged)", operation_id="getPaginatedListOfServices")
def services(request, query: Query[ServiceQuery]):
    results = _run(query)
    url_for = _url_for(request)
    items = [oruk.service_summary(s, url_for, d) for s, d in results.items]
    return oruk.page(items, total=results.total, page_number=query.page, per_page=query.per_page)


@api.get("/services/{service_id}", summary="A fully nested service", operation_id="getFullyNestedServiceById")
def service_detail(request, service_id: str):
    service = get_object_or_404(
        m.Service.objects.select_related("organization__organisation").prefetch_related(*search.FULL_PREFETCH),
        pk=_uuid(service_id))
    return oruk.service_full(service, _url_for(request))


@api.get("/service_at_locations", summary="Services at locations (paged)",
         operation_id="getPaginatedListOfServiceAtLocation")
def service_at_locations(request, query: Query[ServiceQuery]):
    results = _run(query)
    ids = [s.id for s, _ in results.items]
    links = (m.ServiceAtLocation.objects.filter(service_id__in=ids)
             .select_related("service__organization", "location").prefetch_related("location__accessibility")
             .order_by("service__name", "id"))
    url_for = _url_for(request)
    items = [oruk.service_at_location_summary(link, url_for) for link in links]
    return oruk.page(items, total=len(items), page_number=query.page, per_page=max(1, len(items)))


@api.get("/service_at_locations/{sal_id}", summary="A fully nested service at a location",
         operation_id="getServiceAtLocationWithNestedDataById")
def service_at_location_detail(request, sal_id: str):
    link = get_object_or_404(m.ServiceAtLocation.objects.select_related("location"), pk=_uuid(sal_id))
    link.service = (m.Service.objects.select_related("organization__organisation")
                    .prefetch_related(*search.FULL_PREFETCH).get(pk=link.service_id))
    return oruk.service_at_location_full(link, _url_for(request))


@api.get("/organizations", summary="Organisations (paged)", operation_id="getPaginatedListOfOrganizations")
def organizations(request, paging: Query[Paging]):
    orgs = m.DirectoryOrganization.objects.order_by("name", "id")
    total = orgs.count()
    start = (paging.page - 1) * paging.per_page
    items = [oruk.organization(o) for o in orgs[start:start + paging.per_page]]
    return oruk.page(items, total=total, page_number=paging.page, per_page=paging.per_page)


@api.get("/organizations/{organization_id}", summary="An organisation and its services",
         operation_id="getOrganizationById")
def organization_detail(request, organization_id: str):
    org = get_object_or_404(m.DirectoryOrganization.objects.select_related("organisation"), pk=_uuid(organization_id))
    url_for = _url_for(request)
    data = oruk.organization(org, nested=True)
    data["services"] = [oruk.service_summary(s, url_for) for s in org.services.select_related("organization")
                        .order_by("name")]
    return data


@api.get("/taxonomies", summary="Taxonomies (paged)", operation_id="getPaginatedListOfTaxonomies")
def taxonomies(request, paging: Query[Paging]):
    items = [oruk.taxonomy(t) for t in m.Taxonomy.objects.order_by("name", "id")]
    start = (paging.page - 1) * paging.per_page
    return oruk.page(items[start:start + paging.per_page], total=len(items), page_number=paging.page,
                     per_page=paging.per_page)


@api.get("/taxonomy_terms", summary="Taxonomy terms (paged)", operation_id="getPaginatedListOfTaxonomyTerms")
def taxonomy_terms(request, paging: Query[Paging]):
    terms = m.TaxonomyTerm.objects.order_by("name", "id")
    total = terms.count()
    start = (paging.page - 1) * paging.per_page
    items = [oruk.taxonomy_term(t) for t in terms[start:start + paging.per_page]]
    return oruk.page(items, total=total, page_number=paging.page, per_page=paging.per_page)


# --- editors (signed in, MANAGE_DIRECTORY) ------------------------------------------------------------------------


def _editor(request) -> None:
    if not request.user.has_permission(Permission.MANAGE_DIRECTORY):
        raise PermissionDenied("You do not have permission to manage the directory.")


@api.get("/manage/export", auth=django_auth, summary="Export the services you maintain as ORUK JSON",
         include_in_schema=False)
def export(request):
    _editor(request)
    services_ = actions.editable_services(request.user).prefetch_related(*search.FULL_PREFETCH).order_by("name")
    url_for = _url_for(request)
    items = [oruk.service_full(s, url_for) for s in services_.select_related("organization__organisation")]
    return oruk.page(items, total=len(items), page_number=1, per_page=max(1, len(items)))


@api.post("/manage/import", auth=django_auth, summary="Import ORUK services, all or nothing",
          include_in_schema=False)
def import_(request):
    _editor(request)
    # Read the stream up to the cap, rather than request.body, whose own limit is Django's form-sized one.
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_large = actions.import_too_large(declared)
    body = b"" if too_large else request.read(settings.DIRECTORY_IMPORT_MAX_BYTES + 1)
    too_large = too_large or actions.import_too_large(len(body))
    if too_large:
        raise HttpError(413, too_large)
    try:
        payload = actions.parse_import(body or b"null")
    except actions.ImportProblems as error:
        raise HttpError(400, " ".join(error.messages)) from error
    return actions.import_services(request.user, payload)


@api.post("/manage/services/{service_id}/review", auth=django_auth, summary="Mark a service as reviewed today",
          include_in_schema=False)
def review(request, service_id: str):
    service = get_object_or_404(m.Service.objects.select_related("organization"), pk=_uuid(service_id))
    actions.mark_reviewed(request.user, service)
    return {"id": str(service.id), "last_reviewed": timezone.localdate().isoformat()}
