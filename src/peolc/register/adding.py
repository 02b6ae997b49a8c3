"""Adding a person to the register from the add form: the duplicate checks, their audit and the page.

The register's own add page and the review of a candidate found early (``peolc.finding``) both use it, so a person is
added the same way, with the same duplicate protection, wherever the add starts.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render

from peolc.core.forms import error_list
from peolc.core.requests import AuthenticatedRequest
from peolc.core.views import apply_action_errors
from peolc.register import access, actions
from peolc.register import forms as f


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
                duplicate = {**access.access_offered(request.user, existing), "in_scope": False}
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
