"""Finding people on the register, adding one, and importing a practice's register."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render

from peolc.core.forms import error_list
from peolc.core.models import Organisation
from peolc.core.permissions import Permission
from peolc.core.requests import AuthenticatedRequest
from peolc.core.views import apply_action_errors, permission_required, render_form_page
from peolc.register import access, actions, importing
from peolc.register import forms as f
from peolc.register.views.common import access_offered


@permission_required(Permission.VIEW_RECORD)
def find_person(request: AuthenticatedRequest) -> HttpResponse:
    """Search by NHS number, or last name and date of birth. POST, so identifiers never appear in a URL."""
    form = f.FindPersonForm(request.POST or None)
    results = others = None
    if request.method == "POST" and form.is_valid():
        # Only people the user already has access to are shown; anyone else is shown only as a way to get access,
        # so a search is not a way to learn who is on the register, born when, at which practice.
        results, hidden = actions.search_register(request.user, **form.cleaned_data)
        others = [access_offered(request.user, p) for p in hidden]
    return render_form_page(request, "register/find.jinja", form, page_title="Find a person",
                            results=results, others=others,
                            may_add=request.user.has_permission(Permission.ADD_TO_REGISTER))


@permission_required(Permission.ADD_TO_REGISTER)
def add_person(request: AuthenticatedRequest) -> HttpResponse:
    """Add a person to the register, at the user's own practice by default."""
    return add_person_page(request, initial_person={"practice": _default_practice(request.user)})


def add_person_page(request: AuthenticatedRequest, *, initial_person: dict, initial_entry: dict | None = None,
                    on_added=None, **context) -> HttpResponse:
    """The add-to-register form, prefilled; ``on_added(person)`` runs in the same transaction as the add."""
    data = request.POST or None
    person_form = f.PersonForm(data, prefix="person", initial=initial_person)
    entry_form = f.NewEntryForm(data, prefix="entry", initial=initial_entry or {})
    confirm_form = f.ConfirmDuplicateForm(data)
    possible_duplicates, duplicate, hidden_duplicates = [], None, 0
    if request.method == "POST" and person_form.is_valid() and entry_form.is_valid() and confirm_form.is_valid():
        entry = {k: v for k, v in entry_form.cleaned_data.items() if k != "review_date"}
        try:
            with transaction.atomic():
                person = actions.add_to_register(
                    request.user, person=person_form.cleaned_data, entry=entry,
                    review_date=entry_form.cleaned_data.get("review_date"),
                    confirm_possible_duplicate=confirm_form.cleaned_data["confirm_different_person"],
                )
                if on_added is not None:
                    on_added(person)
        except actions.DuplicatePerson as error:
            existing = error.existing
            if access.record_access_basis(request.user, existing) is not None:
                duplicate = {"pk": existing.pk, "in_scope": True}
                person_form.add_error("nhs_number", error.messages)
            else:
                duplicate = {**access_offered(request.user, existing), "in_scope": False}
                person_form.add_error("nhs_number", "A record for this person may already exist.")
            # Audited after the add's transaction has rolled back, so it is kept.
            actions.record_duplicates_found(request.user, "nhs_number", [existing],
                                            shown=[existing] if duplicate["in_scope"] else [])
        except actions.PossibleDuplicate as error:
            possible_duplicates = [p for p in error.matches if access.record_access_basis(request.user, p) is not None]
            hidden_duplicates = len(error.matches) - len(possible_duplicates)
            confirm_form.add_error("confirm_different_person", error.messages)
            actions.record_duplicates_found(request.user, "name_and_birth_date", error.matches,
                                            shown=possible_duplicates)
        except ValidationError as error:
            apply_action_errors(person_form, error)
        else:
            messages.success(request, f"{person.full_name} has been added to the register.")
            return redirect("register:record", person.pk)
    errors = error_list(person_form) + error_list(entry_form) + error_list(confirm_form) if data else []
    return render(request, "register/add.jinja", {
        "page_title": "Add a person to the register", "person_form": person_form, "entry_form": entry_form,
        "confirm_form": confirm_form, "possible_duplicates": possible_duplicates,
        "hidden_duplicates": hidden_duplicates, "duplicate": duplicate, "form_errors": errors, **context,
    }, status=400 if errors else 200)


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
