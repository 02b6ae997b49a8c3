"""Lists of people on the register: the register list and its CSV export, and the worklists."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from peolc.core.csvfiles import csv_response
from peolc.core.permissions import Permission
from peolc.core.requests import AuthenticatedRequest
from peolc.core.views import permission_required
from peolc.register import actions, queries
from peolc.register import forms as f


def _register_filters(request: AuthenticatedRequest) -> tuple[f.RegisterFilterForm, dict]:
    """The filter form from the query string, and the values chosen in it.

    The form's choices only: anything else in the query string is ignored, so it is neither applied nor logged.
    """
    form = f.RegisterFilterForm(request.GET or None)
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_bound and form.is_valid() else {}
    return form, filters


@permission_required(Permission.VIEW_REGISTER_LISTS)
def register_list(request: AuthenticatedRequest) -> HttpResponse:
    """The register in the user's scope, filtered and paged, with prevalence against list size."""
    form, filters = _register_filters(request)
    people = queries.filtered_register(request.user, filters, timezone.localdate())
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    actions.record_list_shown(request.user, "register.view_list", page, filters=filters, page=page.number)
    return render(request, "register/register_list.jinja", {
        "page_title": "Palliative care register", "form": form, "page": page,
        "prevalence": queries.prevalence(request.user),
        "may_export": request.user.has_permission(Permission.EXPORT_REGISTER),
        "may_import": request.user.has_permission(Permission.ADD_TO_REGISTER),
        "query": request.GET.urlencode(),
    })


@permission_required(Permission.EXPORT_REGISTER)
def register_export(request: AuthenticatedRequest) -> HttpResponse:
    """The filtered register as CSV, for authorised roles; the export itself is audited."""
    _, filters = _register_filters(request)
    rows = actions.export_register(request.user, filters)
    return csv_response("palliative-care-register.csv", list(actions.REGISTER_EXPORT_COLUMNS), rows)


@permission_required(Permission.VIEW_REGISTER_LISTS)
def worklists(request: AuthenticatedRequest) -> HttpResponse:
    """People on the register with something outstanding, one list at a time, with every list's count."""
    counts, people = queries.worklists(request.user, timezone.localdate())
    chosen = request.GET.get("list", "review_overdue")
    if chosen not in queries.WORKLISTS:
        chosen = "review_overdue"
    page = Paginator(people[chosen], 50).get_page(request.GET.get("page"))
    actions.record_list_shown(request.user, "register.view_worklist", page, worklist=chosen, page=page.number)
    return render(request, "register/worklists.jinja", {
        "page_title": "Worklists", "worklists": queries.WORKLISTS, "counts": counts, "chosen": chosen, "page": page,
    })
