"""Finding people on the register, adding one, and importing a practice's register."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from peolc.core.models import Organisation
from peolc.core.permissions import Permission
from peolc.core.requests import AuthenticatedRequest
from peolc.core.views import permission_required, render_form_page
from peolc.register import access, actions, importing
from peolc.register import forms as f
from peolc.register.adding import add_person_page


@permission_required(Permission.VIEW_RECORD)
def find_person(request: AuthenticatedRequest) -> HttpResponse:
    """Search by NHS number, or last name and date of birth. POST, so identifiers never appear in a URL."""
    form = f.FindPersonForm(request.POST or None)
    results = others = None
    if request.method == "POST" and form.is_valid():
        # Only people the user already has access to are shown; anyone else is shown only as a way to get access,
        # so a search is not a way to learn who is on the register, born when, at which practice.
        results, hidden = actions.search_register(request.user, **form.cleaned_data)
        others = [access.access_offered(request.user, p) for p in hidden]
    return render_form_page(request, "register/find.jinja", form, page_title="Find a person",
                            results=results, others=others,
                            may_add=request.user.has_permission(Permission.ADD_TO_REGISTER))


@permission_required(Permission.ADD_TO_REGISTER)
def add_person(request: AuthenticatedRequest) -> HttpResponse:
    """Add a person to the register, at the user's own practice by default."""
    return add_person_page(request, initial_person={"practice": _default_practice(request.user)})


def _default_practice(user) -> Organisation | None:
    return user.organisation if user.organisation and user.organisation.type == "gp_practice" else None


@permission_required(Permission.ADD_TO_REGISTER)
def import_register(request: AuthenticatedRequest) -> HttpResponse:
    """Upload a practice's existing register as CSV: every row is checked and all are imported, or none."""
    organisation = request.user.organisation
    practices = organisation.practices().filter(active=True) if organisation else Organisation.objects.none()
    form = f.ImportRegisterForm(request.POST or None, request.FILES or None, practices=practices.order_by("name"),
                                initial={"practice": _default_practice(request.user)})
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        practice = form.cleaned_data["practice"]
        try:
            result = importing.import_practice_register(
                request.user, practice, io.StringIO(form.cleaned_data["file"]),
                skip_existing=form.cleaned_data["skip_existing"],
                # The form required one file, so this is it, not the stubs' empty list for a missing key.
                source_name=request.FILES["file"].name,  # type: ignore[union-attr]
            )
        except importing.RegisterImportError as error:
            problems = error.errors
            form.add_error("file", str(error))
        else:
            messages.success(request, f"{result.imported} people imported to {practice.name}"
                             + (f"; {result.skipped} already on the register were skipped." if result.skipped
                                else "."))
            return redirect("register:list")
    return render_form_page(request, "register/import.jinja", form, page_title="Import a practice register",
                            problems=problems)
