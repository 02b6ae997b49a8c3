"""A person's record: the record page, its sections' edit, history and review, the access report and the
emergency summary."""

from __future__ import annotations

import re
from typing import cast

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import ModelForm
from django.forms.models import model_to_dict as forms_model_to_dict
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from peolc.core.audit import refuse
from peolc.core.forms import error_list
from peolc.core.permissions import Permission
from peolc.core.requests import AuthenticatedRequest
from peolc.core.views import apply_action_errors, permission_required
from peolc.register import actions, display, queries, summary
from peolc.register import models as m
from peolc.register.sections import SECTIONS, Section
from peolc.register.views.common import load_person, refused


def _section_or_404(name: str) -> Section:
    if name not in SECTIONS:
        raise Http404
    return SECTIONS[name]


_VERSION = re.compile(r"[0-9]{1,9}")


def _expected_version(request: AuthenticatedRequest) -> int | None:
    """The section version the form was opened at, or None when the field is missing or not a plain number."""
    value = request.POST.get("expected_version", "")
    return int(value) if _VERSION.fullmatch(value) else None


@permission_required(Permission.VIEW_RECORD)
def record(request: AuthenticatedRequest, pk) -> HttpResponse:
    """The whole record, section by section, with what the user may change or review in each."""
    person = load_person(pk)
    try:
        basis = actions.open_record(request.user, person)
    except PermissionDenied:
        return refused(request, person, "record")
    states = queries.section_states(person)
    sections = [
        {"section": section, "state": states[name], "content": display.section_content(person, name),
         "can_edit": section.may_edit(request.user)}
        for name, section in SECTIONS.items()
    ]
    return render(request, "register/record.jinja", {
        "page_title": person.full_name, "person": person, "sections": sections, "basis": basis,
        "today": timezone.localdate(),
        "can_review": request.user.has_permission(Permission.RECORD_CLINICAL_DECISION),
    })


@permission_required(Permission.VIEW_RECORD)
def emergency_summary(request: AuthenticatedRequest, pk) -> HttpResponse:
    """The printable emergency summary: what a paramedic or out-of-hours clinician needs first."""
    # The stored summary, the banner's rows and the care team (access and contacts, read live): three tables'
    # worth of queries instead of the whole record's.
    person = get_object_or_404(queries.people_with_emergency_summaries(), pk=pk)
    try:
        basis = actions.open_emergency_summary(request.user, person)
    except PermissionDenied:
        return refused(request, person, "emergency summary")
    return render(request, "register/emergency_summary.jinja", {
        "page_title": f"Emergency summary: {person.full_name}", "person": person, "basis": basis,
        "summary": summary.stored(person),
        "coordinators": [c for c in person.care_team.all() if c.role == "coordinator"],
        "generated_at": timezone.now(),
    })


@permission_required(Permission.EDIT_RECORD)
def edit_section(request: AuthenticatedRequest, pk, section: str) -> HttpResponse:
    """Change one section, saved as a new version unless someone else saved it since the page was opened."""
    spec = _section_or_404(section)
    person = load_person(pk)
    if not spec.may_edit(request.user):
        raise refuse(request.user, f"Only clinicians can change the {spec.title.lower()} section.",
                     action="record.update_refused", object_type="person", object_id=person.pk,
                     details={"section": section, "reason": "not_permitted"})
    # The edit page shows the section's content, so opening it is a view of the record like any other.
    try:
        actions.open_record(request.user, person, what=f"edit:{section}")
    except PermissionDenied:
        return refused(request, person, "record")
    state = queries.section_states(person)[section]
    # An empty POST is still a submission: bound, so it gets its errors rather than a blank form.
    data = request.POST if request.method == "POST" else None
    form = _details_form(spec, data, person, state)
    formset = spec.formset(data, prefix="items", initial=_list_initial(person, spec)) if spec.formset else None
    conflict = None
    status = 200
    if request.method == "POST":
        expected = _expected_version(request)
        if expected is None:
            form.add_error(None, "The page was out of date or incomplete. Go back to the record, open this section "
                                 "again and make your changes.")
            status = 400
        elif form.is_valid() and (formset is None or formset.is_valid()):
            details = {k: v for k, v in form.cleaned_data.items() if k != "review_date"} if spec.singleton_model \
                else None
            items = _items(formset) if formset is not None else None
            try:
                actions.update_section(request.user, person, section, expected_version=expected,
                                       details=details, items=items,
                                       review_date=form.cleaned_data.get("review_date"))
            except actions.EditConflict as error:
                conflict, state, status = error, error.state, 409
            except ValidationError as error:
                apply_action_errors(form, error)
                status = 400
            else:
                messages.success(request, f"{spec.title} saved.")
                return redirect(reverse("register:record", args=[person.pk]) + f"#{section}")
        else:
            status = 400
    errors = error_list(form) if form.is_bound else []
    if formset is not None and formset.is_bound:
        errors += [{"text": f"Row {i + 1}: {message}", "href": "#items"}
                   for i, row in enumerate(formset.errors)
                   # A formset's errors are one ErrorDict per form; the stubs call them ErrorLists.
                   for messages_ in row.values()  # type: ignore[attr-defined]
                   for message in messages_]
        errors += [{"text": message, "href": "#items"} for message in formset.non_form_errors()]
    return render(request, "register/edit_section.jinja", {
        "page_title": f"{spec.title}: {person.full_name}", "person": person, "section": spec, "state": state,
        "form": form, "formset": formset, "form_errors": errors, "conflict": conflict,
        "current": display.section_content(load_person(pk), section) if conflict else None,
    }, status=status)


def _details_form(spec: Section, data, person: m.Person, state: m.RecordSection):
    """The section's form for its single row (or just its review date), bound to what is recorded now."""
    initial = {"review_date": state.review_date}
    # A section with a single row edits it with a model form.
    model_form = cast("type[ModelForm]", spec.form)
    if spec.singleton_model is m.Person:
        return model_form(data, instance=person, initial=initial)
    if spec.singleton_model is not None:
        return model_form(data, instance=display.one_to_one(person, spec.singleton_related_name), initial=initial)
    return spec.form(data, initial=initial)


def _list_initial(person: m.Person, spec: Section) -> list[dict]:
    if spec.list_model is None:
        return []
    return [{**forms_model_to_dict(row, fields=spec.list_fields), "id": row.pk}
            for row in getattr(person, spec.list_related_name).all()]


def _items(formset) -> list[dict]:
    """The rows the editor kept: filled in and not marked for removal."""
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


@permission_required(Permission.VIEW_RECORD)
def section_history(request: AuthenticatedRequest, pk, section: str) -> HttpResponse:
    """Every saved version of one section, with what changed in each."""
    spec = _section_or_404(section)
    person = load_person(pk)
    try:
        actions.open_record(request.user, person, what=f"history:{section}")
    except PermissionDenied:
        return refused(request, person, "record")
    versions = m.SectionVersion.objects.filter(person=person, section=spec.name)
    return render(request, "register/history.jinja", {
        "page_title": f"History of {spec.title.lower()}: {person.full_name}", "person": person,
        "section": spec, "versions": versions,
    })


@require_POST
@permission_required(Permission.RECORD_CLINICAL_DECISION)
def review_section(request: AuthenticatedRequest, pk, section: str) -> HttpResponse:
    """Mark the section's current version as reviewed by a clinician."""
    spec = _section_or_404(section)
    person = load_person(pk)
    try:
        actions.mark_reviewed(request.user, person, section, expected_version=_expected_version(request))
    except ValidationError as error:
        raise BadRequest(" ".join(error.messages)) from error
    except actions.EditConflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{spec.title} marked as reviewed.")
    return redirect(reverse("register:record", args=[person.pk]) + f"#{section}")


@permission_required(Permission.VIEW_RECORD)
def access_report(request: AuthenticatedRequest, pk) -> HttpResponse:
    """Who has viewed or changed this person's record, and when."""
    person = load_person(pk)
    try:
        actions.open_record(request.user, person, what="access_report")
    except PermissionDenied:
        return refused(request, person, "record")
    events = queries.access_events(person)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "register/access_report.jinja", {
        "page_title": f"Access report: {person.full_name}", "person": person, "page": page,
        "describe_event": display.describe_event,
    })
