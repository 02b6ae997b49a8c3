"""Who may see whose record: the one place the scoping rule is applied.

A user sees the records of people registered with their organisation (or a practice within their PCN or locality),
cared for by their organisation, or on whose care team they are named. Urgent-care clinicians may open anyone's
emergency summary. Anyone else with the permission needs break-glass: a stated reason, time-limited and reviewed.

A person who declined sharing is seen only by their registering practice itself and their named care team (a user
or an organisation on it): not by the practice's PCN or locality, and not by urgent care. Everyone else, urgent care
included, is told they declined and may break glass only in the person's vital interests (see
``docs/register-access.md``).
"""

from __future__ import annotations

from typing import TypeGuard

from django.db.models import Q, QuerySet
from django.utils import timezone

from peolc.core.models import OrganisationType, User
from peolc.core.permissions import Permission
from peolc.register.choices import ConsentToShare
from peolc.register.models import BreakGlassAccess, CareTeamMember, Person, RegisterEntry

RELATIONSHIP = "relationship"
BREAK_GLASS = "break_glass"
URGENT_CARE = "urgent_care"
# The actor is putting the person on the register: the record is theirs from the start.
REGISTERING = "registering"


def _signed_in(user: User | None) -> TypeGuard[User]:
    # Callers pass None or Django's AnonymousUser for the signed-out; neither has an organisation or permissions.
    return user is not None and user.is_authenticated and user.is_active


def people_in_scope(user: User | None) -> QuerySet[Person]:
    """Everyone ``user`` has a legitimate relationship with (none for users without an organisation)."""
    if not _signed_in(user) or user.organisation is None:
        return Person.objects.none()
    organisation = user.organisation
    scope = Q(care_team__user=user) | Q(care_team__organisation=organisation)
    if organisation.type != OrganisationType.ICB:
        network = Q(practice__parent=organisation) | Q(practice__parent__parent=organisation)
        scope |= Q(practice=organisation) | (network & ~Q(entry__consent_to_share=ConsentToShare.DECLINED))
    return Person.objects.filter(
        pk__in=Person.objects.filter(scope).values("pk")
    )


def has_relationship(user: User | None, person: Person) -> bool:
    """The same rule as ``people_in_scope``, for one person, checked in Python: the practice chain and the care team
    are loaded with the record, so a record page pays no query for it (a person loaded alone pays one)."""
    if not _signed_in(user) or user.organisation is None:
        return False
    organisation = user.organisation
    if organisation.type != OrganisationType.ICB:
        practice = person.practice
        chain: set[int | None]
        if declined_sharing(person):
            chain = {practice.pk}
        else:
            chain = {practice.pk, practice.parent_id, practice.parent.parent_id if practice.parent else None}
        if organisation.pk in chain:
            return True
    return any(member.user_id == user.pk or member.organisation_id == organisation.pk
               for member in person.care_team.all())


def declined_sharing(person: Person) -> bool:
    """Whether the person declined to have their record shared beyond their practice and care team."""
    try:
        return person.entry.consent_to_share == ConsentToShare.DECLINED
    except RegisterEntry.DoesNotExist:
        return False


def relationship_parties(person: Person) -> tuple:
    """Everything that decides who has a relationship with ``person``, read afresh from the database.

    Two values differ exactly when an edit changed who may see the record: the practice, whether sharing was
    declined, or who is on the care team.
    """
    fresh = Person.objects.select_related("entry").get(pk=person.pk)
    team = frozenset(CareTeamMember.objects.filter(person=person).values_list("organisation_id", "user_id"))
    return fresh.practice_id, declined_sharing(fresh), team


def active_break_glass(user: User | None, person: Person) -> BreakGlassAccess | None:
    if not _signed_in(user):
        return None
    return BreakGlassAccess.objects.filter(user=user, person=person, expires_at__gt=timezone.now()).first()


def record_access_basis(user: User | None, person: Person) -> str | None:
    """Why ``user`` may open the full record (``relationship`` or ``break_glass``), or None if they may not."""
    if not _signed_in(user) or not user.has_permission(Permission.VIEW_RECORD):
        return None
    if has_relationship(user, person):
        return RELATIONSHIP
    if active_break_glass(user, person):
        return BREAK_GLASS
    return None


def emergency_summary_basis(user: User | None, person: Person) -> str | None:
    """Why ``user`` may open the emergency summary, or None if they may not.

    For urgent-care clinicians their role comes before break-glass: the summary is theirs to see whatever grant they
    hold, so the busiest reader of summaries pays no lookup for one (their grants still open the full record).
    Not for a person who declined sharing: then urgent care needs a relationship or a break-glass grant like anyone.
    """
    if (_signed_in(user) and user.has_permission(Permission.VIEW_EMERGENCY_SUMMARY_ANY)
            and not declined_sharing(person)):
        if user.has_permission(Permission.VIEW_RECORD) and has_relationship(user, person):
            return RELATIONSHIP
        return URGENT_CARE
    return record_access_basis(user, person)


def may_break_glass(user: User | None, person: Person) -> bool:
    """Break-glass is offered to users who could see records but have no relationship with this person."""
    return _signed_in(user) and user.has_permission(Permission.BREAK_GLASS) and not has_relationship(user, person)


def access_offered(user, person) -> dict:
    """For someone outside the user's scope: what the user may do to reach the record, without who it is."""
    return {"pk": person.pk, "may_break_glass": may_break_glass(user, person),
            "may_see_summary": emergency_summary_basis(user, person) is not None}
