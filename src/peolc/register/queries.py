"""Read queries on the register: whole records, the filtered register list, worklists and prevalence.

They return querysets and rows; deciding who may see them and auditing what was shown is for the views' callers
(the actions and access modules).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import Combinable

from peolc.core.models import AuditEvent, User
from peolc.register import access
from peolc.register import models as m
from peolc.register.sections import SECTIONS

CARE_TEAM = Prefetch("care_team", queryset=m.CareTeamMember.objects.select_related("organisation"))
# A whole record is every section's single row (joined) and list (prefetched), as the sections declare them.
_RECORD_RELATED = ("practice__parent",
                   *(s.singleton_related_name for s in SECTIONS.values() if s.singleton_related_name))
_RECORD_PREFETCH: tuple[str | Prefetch, ...] = (CARE_TEAM, "sections",
                    *(s.list_related_name for s in SECTIONS.values() if s.list_related_name not in ("", "care_team")))


def people_with_records() -> QuerySet[m.Person]:
    """People with every section of their record, in a fixed number of queries whatever its size."""
    return m.Person.objects.select_related(*_RECORD_RELATED).prefetch_related(*_RECORD_PREFETCH)


def people_with_emergency_summaries() -> QuerySet[m.Person]:
    """People with their stored emergency summary, the banner's rows and their care team (read live)."""
    return m.Person.objects.select_related("practice__parent", "entry", "emergency_summary").prefetch_related(
        CARE_TEAM
    )


def section_states(person: m.Person) -> dict[str, m.RecordSection]:
    """Every section's version and review state for ``person`` (unsaved, at version 0, where nothing is recorded)."""
    states = {s.name: s for s in person.sections.all()}
    return {name: states.get(name) or m.RecordSection(person=person, name=name) for name in SECTIONS}


def access_events(person: m.Person) -> QuerySet[AuditEvent]:
    """Every audit event about ``person``'s record, newest first: who viewed, changed or was refused it."""
    return AuditEvent.objects.filter(object_type="person", object_id=str(person.pk))


def matching_people(*, nhs_number: str, family_name: str, date_of_birth: date | None) -> list[m.Person]:
    """Up to 20 people with this NHS number or, without one, this last name and date of birth."""
    if nhs_number:
        people = m.Person.objects.filter(nhs_number=nhs_number)
    else:
        people = m.Person.objects.filter(family_name__iexact=family_name.strip(),
                                            date_of_birth=date_of_birth)  # type: ignore[misc]  # Django reads None as IS NULL
    return list(people.select_related("practice__parent", "entry").prefetch_related(CARE_TEAM)[:20])


def register_in_scope(user: User) -> QuerySet[m.Person]:
    """The people ``user`` may list, with what the register list shows of them, in name order."""
    return access.people_in_scope(user).select_related(
        "practice", "entry", "acp", "preferences"
    ).order_by("family_name", "given_name")


def _entry_review_overdue(today: date) -> Exists:
    return Exists(m.RecordSection.objects.filter(person=OuterRef("pk"), name="entry", review_date__lt=today))


_HAS_ACP = Q(acp__discussed=True) | Q(acp__documented=True)


def filtered_register(user: User, filters: dict[str, Any], today: date) -> QuerySet[m.Person]:
    """The register list ``user`` may see, narrowed by the register filter form's chosen (non-empty) values.

    Without a status only people on the register now (active entries) are listed; ``"all"`` lists every status.
    """
    people = register_in_scope(user).filter(entry__isnull=False)
    if filters.get("prognosis"):
        people = people.filter(entry__prognosis=filters["prognosis"])
    if filters.get("diagnosis"):
        people = people.filter(entry__main_diagnosis=filters["diagnosis"])
    if filters.get("acp") == "yes":
        people = people.filter(_HAS_ACP)
    elif filters.get("acp") == "no":
        people = people.exclude(_HAS_ACP)
    if filters.get("review") == "overdue":
        people = people.filter(_entry_review_overdue(today))
    status = filters.get("status") or "active"
    if status != "all":
        people = people.filter(entry__status=status)
    return people


def prevalence(user: User) -> list[dict]:
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


WORKLISTS = {
    "review_overdue": "Reviews overdue",
    "no_acp": "No advance care plan",
    "no_preferred_place": "No preferred place of death",
    "no_coordinator": "No named coordinator",
    "carer_not_assessed": "Carer not assessed",
    "no_anticipatory_medicines": "Weeks or days prognosis without anticipatory medicines",
}


def worklist_filters(today: date) -> dict[str, Q | Combinable]:
    """Each worklist as a condition on people on the register."""
    coordinator = m.CareTeamMember.objects.filter(person=OuterRef("pk"), role="coordinator")
    unassessed_carer = m.Carer.objects.filter(person=OuterRef("pk"), assessment_completed_on__isnull=True)
    medicines = m.AnticipatoryMedicine.objects.filter(person=OuterRef("pk"))
    return {
        "review_overdue": _entry_review_overdue(today),
        "no_acp": ~_HAS_ACP,
        "no_preferred_place": Q(preferences__isnull=True) | Q(preferences__preferred_place_of_death=""),
        "no_coordinator": ~Exists(coordinator),
        "carer_not_assessed": Exists(unassessed_carer),
        "no_anticipatory_medicines": Q(entry__prognosis__in=["weeks", "days"]) & ~Exists(medicines),
    }


def worklists(user: User, today: date) -> tuple[dict[str, int], dict[str, QuerySet[m.Person]]]:
    """How many active people in ``user``'s scope are on each worklist, and each worklist's people."""
    active = register_in_scope(user).filter(entry__status="active")
    people = {name: active.filter(condition) for name, condition in worklist_filters(today).items()}
    return {name: queryset.count() for name, queryset in people.items()}, people
