"""Register pages: find, add, the record and its sections, the emergency summary, break-glass, lists, worklists."""

from __future__ import annotations

import io
import re

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.forms.models import model_to_dict as forms_model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from peolc import nhs_number
from peolc.core.audit import record_event, refuse
from peolc.core.csvfiles import csv_response
from peolc.core.forms import error_list
from peolc.core.models import AuditEvent, Organisation
from peolc.core.permissions import Permission
from peolc.core.views import apply_action_errors, form_view, permission_required, render_form_page
from peolc.register import access, actions, display, importing, summary
from peolc.register import forms as f
from peolc.register import models as m
from peolc.register.adding import add_person_page
from peolc.register.sections import SECTIONS

RECORD_RELATED = ("practice__parent", "entry", "preferences", "respect", "acp", "anticipatory_care", "after_death")
CARE_TEAM = Prefetch("care_team", queryset=m.CareTeamMember.objects.select_related("organisation"))
RECORD_PREFETCH = (CARE_TEAM, "carers", "anticipatory_medicines", "sections")


def load_person(pk) -> m.Person:
    """A person with every section of their record, in a fixed number of queries whatever its size."""
    return get_object_or_404(
        m.Person.objects.select_related(*RECORD_RELATED).prefetch_related(*RECORD_PREFETCH), pk=pk
    )


def _states(person: m.Person) -> dict[str, m.RecordSection]:
    states = {s.name: s for s in person.sections.all()}
    return {name: states.get(name) or m.RecordSection(person=person, name=name) for name in SECTIONS}


def _refused(request: HttpRequest, person: m.Person, what: str) -> HttpResponse:
    """Explain a refusal and offer what the user may do instead (break-glass, or the emergency summary).

    The action that refused (``open_record`` and the like) has already audited it.
    """
    return render(request, "register/refused.jinja", {
        "page_title": "You do not have access to this record",
        "person": person,
        "what": what,
        "declined": access.declined_sharing(person),
        "may_break_glass": access.may_break_glass(request.user, person),
        "may_see_summary": access.emergency_summary_basis(request.user, person) is not None,
    }, status=403)


def _can_edit(user, section) -> bool:
    return all(user.has_permission(p) for p in section.edit_permissions)


_VERSION = re.compile(r"[0-9]{1,9}")


def _expected_version(request: HttpRequest) -> int | None:
    """The section version the form was opened at, or None when the field is missing or not a plain number."""
    value = request.POST.get("expected_version", "")
    return int(value) if _VERSION.fullmatch(value) else None


def _ids(people) -> list[str]:
    return [str(person.pk) for person in people]


def _audit_list(user, action: str, people, **details) -> None:
    """Audit a page listing people: which list, how it was filtered, and exactly whose rows were shown (by id)."""
    record_event(user, action, object_type="person", details={**details, "people": _ids(people)})


# --- find and add ------------------------------------------------------------------------------------------------


@permission_required(Permission.VIEW_RECORD)
def find_person(request: HttpRequest) -> HttpResponse:
    """Search by NHS number, or last name and date of birth. POST, so identifiers never appear in a URL."""
    form = f.FindPersonForm(request.POST or None)
    results = others = None
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["nhs_number"]
        if number:
            people = m.Person.objects.filter(nhs_number=number)
        else:
            people = m.Person.objects.filter(family_name__iexact=form.cleaned_data["family_name"].strip(),
                                             date_of_birth=form.cleaned_data["date_of_birth"])
        matches = list(people.select_related("practice__parent", "entry").prefetch_related(CARE_TEAM)[:20])
        # Only people the user already has access to are shown; anyone else is shown only as a way to get access,
        # so a search is not a way to learn who is on the register, born when, at which practice.
        results = [p for p in matches if access.record_access_basis(request.user, p) is not None]
        others = [access.access_offered(request.user, p) for p in matches if p not in results]
        # The terms typed are not kept (they are identifiers): the people they matched are.
        record_event(request.user, "register.search", object_type="person",
                     details={"by": "nhs_number" if number else "name_and_birth_date", "matched": _ids(matches),
                              "shown": _ids(results)})
    return render_form_page(request, "register/find.jinja", form, page_title="Find a person",
                            results=results, others=others,
                            may_add=request.user.has_permission(Permission.ADD_TO_REGISTER))


@permission_required(Permission.ADD_TO_REGISTER)
def add_person(request: HttpRequest) -> HttpResponse:
    return add_person_page(request, initial_person={"practice": _default_practice(request.user)})


def _default_practice(user) -> Organisation | None:
    return user.organisation if user.organisation and user.organisation.type == "gp_practice" else None


@permission_required(Permission.ADD_TO_REGISTER)
def import_register(request: HttpRequest) -> HttpResponse:
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
                skip_existing=form.cleaned_data["skip_existing"], source_name=request.FILES["file"].name,
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


# --- the record ----------------------------------------------------------------------------------------------------


@permission_required(Permission.VIEW_RECORD)
def record(request: HttpRequest, pk) -> HttpResponse:
    person = load_person(pk)
    try:
        basis = actions.open_record(request.user, person)
    except PermissionDenied:
        return _refused(request, person, "record")
    states = _states(person)
    sections = [
        {"section": section, "state": states[name], "content": display.section_content(person, name),
         "can_edit": _can_edit(request.user, section)}
        for name, section in SECTIONS.items()
    ]
    return render(request, "register/record.jinja", {
        "page_title": person.full_name, "person": person, "sections": sections, "basis": basis,
        "today": timezone.localdate(),
        "can_review": request.user.has_permission(Permission.RECORD_CLINICAL_DECISION),
    })


@permission_required(Permission.VIEW_RECORD)
def emergency_summary(request: HttpRequest, pk) -> HttpResponse:
    # The stored summary, the banner's rows and the care team (access and contacts, read live): three tables'
    # worth of queries instead of the whole record's.
    person = get_object_or_404(
        m.Person.objects.select_related("practice__parent", "entry", "emergency_summary").prefetch_related(CARE_TEAM),
        pk=pk,
    )
    try:
        basis = actions.open_emergency_summary(request.user, person)
    except PermissionDenied:
        return _refused(request, person, "emergency summary")
    return render(request, "register/emergency_summary.jinja", {
        "page_title": f"Emergency summary: {person.full_name}", "person": person, "basis": basis,
        "summary": summary.stored(person),
        "coordinators": [c for c in person.care_team.all() if c.role == "coordinator"],
        "generated_at": timezone.now(),
    })


@permission_required(Permission.EDIT_RECORD)
def edit_section(request: HttpRequest, pk, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    spec = SECTIONS[section]
    person = load_person(pk)
    if not _can_edit(request.user, spec):
        raise refuse(request.user, f"Only clinicians can change the {spec.title.lower()} section.",
                     action="record.update_refused", object_type="person", object_id=person.pk,
                     details={"section": section, "reason": "not_permitted"})
    # The edit page shows the section's content, so opening it is a view of the record like any other.
    try:
        actions.open_record(request.user, person, what=f"edit:{section}")
    except PermissionDenied:
        return _refused(request, person, "record")
    state = _states(person)[section]
    form_class, formset_class = f.SECTION_FORMS[section]
    # An empty POST is still a submission: bound, so it gets its errors rather than a blank form.
    data = request.POST if request.method == "POST" else None
    form = _details_form(form_class, data, person, section, state)
    formset = formset_class(data, prefix="items", initial=_list_initial(person, spec)) if formset_class else None
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
                   for i, row in enumerate(formset.errors) for messages_ in row.values() for message in messages_]
        errors += [{"text": message, "href": "#items"} for message in formset.non_form_errors()]
    return render(request, "register/edit_section.jinja", {
        "page_title": f"{spec.title}: {person.full_name}", "person": person, "section": spec, "state": state,
        "form": form, "formset": formset, "form_errors": errors, "conflict": conflict,
        "current": display.section_content(load_person(pk), section) if conflict else None,
    }, status=status)


def _details_form(form_class, data, person, section, state):
    initial = {"review_date": state.review_date}
    if section == "person":
        return form_class(data, instance=person, initial=initial)
    spec = SECTIONS[section]
    instance = None
    if spec.singleton_model is not None:
        related = spec.singleton_model._meta.get_field("person").remote_field.related_name
        instance = display.one_to_one(person, related)
    if hasattr(form_class, "_meta"):
        return form_class(data, instance=instance, initial=initial)
    return form_class(data, initial=initial)


def _list_initial(person, spec) -> list[dict]:
    if spec.list_model is None:
        return []
    form_fields = list(f.SECTION_FORMS[spec.name][1].form.base_fields)
    return [{**forms_model_to_dict(row, fields=form_fields), "id": row.pk}
            for row in getattr(person, spec.list_related_name).all()]


def _items(formset) -> list[dict]:
    """The rows the editor kept: filled in and not marked for removal."""
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


@permission_required(Permission.VIEW_RECORD)
def section_history(request: HttpRequest, pk, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    person = load_person(pk)
    try:
        actions.open_record(request.user, person, what=f"history:{section}")
    except PermissionDenied:
        return _refused(request, person, "record")
    versions = m.SectionVersion.objects.filter(person=person, section=section)
    return render(request, "register/history.jinja", {
        "page_title": f"History of {SECTIONS[section].title.lower()}: {person.full_name}", "person": person,
        "section": SECTIONS[section], "versions": versions,
    })


@require_POST
@permission_required(Permission.RECORD_CLINICAL_DECISION)
def review_section(request: HttpRequest, pk, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    person = load_person(pk)
    try:
        actions.mark_reviewed(request.user, person, section, expected_version=_expected_version(request))
    except ValidationError as error:
        raise BadRequest(" ".join(error.messages)) from error
    except actions.EditConflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{SECTIONS[section].title} marked as reviewed.")
    return redirect(reverse("register:record", args=[person.pk]) + f"#{section}")


@permission_required(Permission.VIEW_RECORD)
def access_report(request: HttpRequest, pk) -> HttpResponse:
    """Who has viewed or changed this person's record, and when."""
    person = load_person(pk)
    try:
        actions.open_record(request.user, person, what="access_report")
    except PermissionDenied:
        return _refused(request, person, "record")
    events = AuditEvent.objects.filter(object_type="person", object_id=str(person.pk))
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "register/access_report.jinja", {
        "page_title": f"Access report: {person.full_name}", "person": person, "page": page,
        "describe_event": describe_event,
    })


EVENT_DESCRIPTIONS = {
    "record.view": "Viewed", "record.view_refused": "Was refused access to", "record.update": "Changed",
    "record.review": "Reviewed", "record.break_glass": "Used emergency access (break-glass) to",
    "record.break_glass_review": "Reviewed emergency access to", "register.add": "Added to the register",
    "record.update_refused": "Was refused a change to", "record.review_refused": "Was refused a review of",
    "record.break_glass_page": "Opened the emergency access (break-glass) page for",
}


def describe_event(event: AuditEvent) -> str:
    """One audit event in plain English for the access report."""
    verb = EVENT_DESCRIPTIONS.get(event.action, event.action)
    what = event.details.get("what") or event.details.get("section") or ""
    if event.action == "register.add":
        return verb
    prefix, _, section = what.partition(":")
    if section in SECTIONS and prefix in ("history", "edit"):
        what = {"history": "the history of ", "edit": "for editing: "}[prefix] + SECTIONS[section].title
    else:
        what = {"record": "the record", "emergency_summary": "the emergency summary",
                "access_report": "this access report"}.get(what, SECTIONS[what].title.lower() if what in SECTIONS
                                                              else what)
    return f"{verb} {what}".strip()


@permission_required(Permission.BREAK_GLASS)
def break_glass(request: HttpRequest, pk) -> HttpResponse:
    person = get_object_or_404(m.Person.objects.select_related("practice", "entry"), pk=pk)
    if request.method == "GET":
        # The page names the person's practice and whether they declined sharing: opening it is audited too.
        record_event(request.user, "record.break_glass_page", object_type="person", object_id=person.pk)
    return form_view(
        request, f.BreakGlassForm(request.POST or None), "register/break_glass.jinja",
        save=lambda data: actions.break_glass(request.user, person, data["reason"],
                                              vital_interests=data["vital_interests"]),
        declined=access.declined_sharing(person),
        success=lambda _: "Emergency access granted for 12 hours. Your reason has been recorded.",
        next_url=reverse("register:record", args=[person.pk]), page_title="Emergency access", person=person,
    )


@permission_required(Permission.REVIEW_BREAK_GLASS)
def break_glass_review_list(request: HttpRequest) -> HttpResponse:
    grants = actions.break_glass_in_review_scope(request.user)
    show = request.GET.get("show", "unreviewed")
    if show == "unreviewed":
        grants = grants.filter(reviewed_at__isnull=True)
    page = Paginator(grants, 50).get_page(request.GET.get("page"))
    _audit_list(request.user, "register.view_break_glass_reviews", [grant.person for grant in page],
                show="unreviewed" if show == "unreviewed" else "all", page=page.number)
    return render(request, "register/break_glass_review.jinja", {
        "page_title": "Break-glass access to review", "page": page, "show": show,
        "form": f.BreakGlassReviewForm(),
    })


@require_POST
@permission_required(Permission.REVIEW_BREAK_GLASS)
def break_glass_review(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = get_object_or_404(m.BreakGlassAccess, pk=grant_id)
    form = f.BreakGlassReviewForm(request.POST)
    if form.is_valid():
        actions.review_break_glass(request.user, grant, form.cleaned_data["review_outcome"],
                                   form.cleaned_data["review_note"])
        messages.success(request, "Review recorded.")
    else:
        messages.error(request, "Choose whether the access was appropriate.")
    return redirect("register:break-glass-review-list")


# --- lists ---------------------------------------------------------------------------------------------------------


def _register_queryset(user):
    return access.people_in_scope(user).select_related(
        "practice", "entry", "acp", "preferences"
    ).order_by("family_name", "given_name")


def _entry_review_overdue(today):
    return Exists(m.RecordSection.objects.filter(person=OuterRef("pk"), name="entry", review_date__lt=today))


def _filtered_register(request: HttpRequest):
    form = f.RegisterFilterForm(request.GET or None)
    people = _register_queryset(request.user).filter(entry__isnull=False)
    status = "active"
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] or "active"
        if data["prognosis"]:
            people = people.filter(entry__prognosis=data["prognosis"])
        if data["diagnosis"]:
            people = people.filter(entry__main_diagnosis=data["diagnosis"])
        has_acp = Q(acp__discussed=True) | Q(acp__documented=True)
        if data["acp"] == "yes":
            people = people.filter(has_acp)
        elif data["acp"] == "no":
            people = people.exclude(has_acp)
        if data["review"] == "overdue":
            people = people.filter(_entry_review_overdue(timezone.localdate()))
    if status != "all":
        people = people.filter(entry__status=status)
    return form, people


@permission_required(Permission.VIEW_REGISTER_LISTS)
def register_list(request: HttpRequest) -> HttpResponse:
    form, people = _filtered_register(request)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    _audit_list(request.user, "register.view_list", page, filters=_filters(form), page=page.number)
    return render(request, "register/register_list.jinja", {
        "page_title": "Palliative care register", "form": form, "page": page,
        "prevalence": _prevalence(request.user),
        "may_export": request.user.has_permission(Permission.EXPORT_REGISTER),
        "may_import": request.user.has_permission(Permission.ADD_TO_REGISTER),
        "query": request.GET.urlencode(),
    })


def _filters(form) -> dict:
    # The filter form's choices only: anything else in the query string is ignored, so it is not logged either.
    return {k: v for k, v in form.cleaned_data.items() if v} if form.is_bound and form.is_valid() else {}


def _prevalence(user) -> list[dict]:
    """Active register entries against list size for each practice in the user's scope."""
    organisation = user.organisation
    if organisation is None:
        return []
    practices = organisation.practices()
    counts = {
        row["practice"]: row["n"]
        for row in access.people_in_scope(user).filter(entry__status="active").values("practice")
        .annotate(n=Count("pk"))
    }
    rows = []
    for practice in practices.order_by("name"):
        on_register = counts.get(practice.pk, 0)
        size = practice.registered_population
        rows.append({"practice": practice, "on_register": on_register, "list_size": size,
                     "prevalence": (100 * on_register / size) if size else None})
    return rows


@permission_required(Permission.EXPORT_REGISTER)
def register_export(request: HttpRequest) -> HttpResponse:
    """The filtered register as CSV, for authorised roles; the export itself is audited."""
    form, people = _filtered_register(request)
    people = list(people)
    rows = []
    for person in people:
        entry = person.entry
        acp = display.one_to_one(person, "acp")
        preferences = display.one_to_one(person, "preferences")
        rows.append([
            nhs_number.format(person.nhs_number), person.given_name, person.family_name,
            person.date_of_birth.isoformat(), person.practice.code, entry.status, entry.date_added.isoformat(),
            entry.prognosis, entry.main_diagnosis, "yes" if acp and (acp.discussed or acp.documented) else "no",
            preferences.preferred_place_of_death if preferences else "",
        ])
    response = csv_response("palliative-care-register.csv", [
        "nhs_number", "given_name", "family_name", "date_of_birth", "practice_code", "status", "date_added",
        "prognosis", "main_diagnosis", "acp_recorded", "preferred_place_of_death"], rows)
    record_event(request.user, "register.export_csv", object_type="register",
                 details={"rows": len(people), "filters": _filters(form), "people": _ids(people)})
    return response


WORKLISTS = {
    "review_overdue": "Reviews overdue",
    "no_acp": "No advance care plan",
    "no_preferred_place": "No preferred place of death",
    "no_coordinator": "No named coordinator",
    "carer_not_assessed": "Carer not assessed",
    "no_anticipatory_medicines": "Weeks or days prognosis without anticipatory medicines",
}


def worklist_filters(today) -> dict:
    """Each worklist as a condition on people on the register."""
    coordinator = m.CareTeamMember.objects.filter(person=OuterRef("pk"), role="coordinator")
    unassessed_carer = m.Carer.objects.filter(person=OuterRef("pk"), assessment_completed_on__isnull=True)
    medicines = m.AnticipatoryMedicine.objects.filter(person=OuterRef("pk"))
    return {
        "review_overdue": _entry_review_overdue(today),
        "no_acp": ~(Q(acp__discussed=True) | Q(acp__documented=True)),
        "no_preferred_place": Q(preferences__isnull=True) | Q(preferences__preferred_place_of_death=""),
        "no_coordinator": ~Exists(coordinator),
        "carer_not_assessed": Exists(unassessed_carer),
        "no_anticipatory_medicines": Q(entry__prognosis__in=["weeks", "days"]) & ~Exists(medicines),
    }


@permission_required(Permission.VIEW_REGISTER_LISTS)
def worklists(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    active = _register_queryset(request.user).filter(entry__status="active")
    filters = worklist_filters(today)
    counts = {name: active.filter(condition).count() for name, condition in filters.items()}
    chosen = request.GET.get("list", "review_overdue")
    if chosen not in WORKLISTS:
        chosen = "review_overdue"
    page = Paginator(active.filter(filters[chosen]), 50).get_page(request.GET.get("page"))
    _audit_list(request.user, "register.view_worklist", page, worklist=chosen, page=page.number)
    return render(request, "register/worklists.jinja", {
        "page_title": "Worklists", "worklists": WORKLISTS, "counts": counts, "chosen": chosen, "page": page,
    })
