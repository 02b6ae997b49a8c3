"""Register use cases. Each checks permission and relationship, validates, writes in one transaction and audits."""

from __future__ import annotations

from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from peolc import nhs_number
from peolc.core.actions import require_permission
from peolc.core.audit import RecordedRefusal, record_event, refuse
from peolc.core.models import Organisation, OrganisationType, User
from peolc.core.permissions import Permission
from peolc.register import access, display, queries, summary
from peolc.register import models as m
from peolc.register.sections import SECTIONS, Section, differences, snapshot

BREAK_GLASS_DURATION = timedelta(hours=12)
MINIMUM_REASON_LENGTH = 10
_CARE_TEAM_ROLE_FOR_USER_ROLE = {
    "gp": "gp",
    "community_nurse": "district_nurse",
    "hospice_clinician": "specialist_palliative",
    "care_coordinator": "coordinator",
}


class EditConflict(Exception):
    """Someone else saved the section since the editor opened it."""

    def __init__(self, state: m.RecordSection):
        self.state = state
        super().__init__(
            f"{SECTIONS[state.name].title} was changed by {state.updated_by or 'someone else'} while you were "
            "editing it. Your changes have not been saved: check the current version below and make them again."
        )


class RelationshipChangeRefused(RecordedRefusal):
    """An edit under break-glass would change who has a relationship with the person (``update_section`` audits
    it before the refusal leaves the action)."""

    def __init__(self) -> None:
        super().__init__(
            "You are using emergency access (break-glass), so you cannot change the practice, the consent to share "
            "or the care team: that would give access beyond your emergency. Ask the registering practice or care "
            "team to add you."
        )


class DuplicatePerson(ValidationError):
    """The NHS number is already on the register."""

    def __init__(self, existing: m.Person):
        self.existing = existing
        super().__init__({"nhs_number": "This NHS number is already on the register."})


class PossibleDuplicate(ValidationError):
    """People with the same family name and date of birth are already on the register."""

    def __init__(self, matches: list[m.Person]):
        self.matches = matches
        super().__init__(
            "Someone with the same family name and date of birth is already on the register. Check they are not "
            "the same person, then confirm to add anyway."
        )


def _person_ref(person: m.Person) -> str:
    return str(person.pk)


def _audits_refusal(action: str):
    """Record a refused change to a section (not permitted, or an edit conflict) against the person.

    The record is written after the change's own transaction has rolled back, so it survives the refusal.
    """

    def decorator(function):
        @wraps(function)
        def wrapped(actor, person, section_name, *args, **kwargs):
            try:
                return function(actor, person, section_name, *args, **kwargs)
            except EditConflict as error:
                record_event(actor, action, object_type="person", object_id=_person_ref(person),
                             details={"section": section_name, "reason": "edit_conflict",
                                      "expected_version": kwargs.get("expected_version"),
                                      "current_version": error.state.version})
                raise
            except RecordedRefusal:
                raise
            except PermissionDenied as error:
                record_event(actor, action, object_type="person", object_id=_person_ref(person),
                             details={"section": section_name, "reason": "not_permitted", "message": str(error)})
                raise RecordedRefusal(*error.args) from error

        return wrapped

    return decorator


# --- reading, which is audited too -------------------------------------------------------------------------------


def open_record(actor: User, person: m.Person, *, what: str = "record") -> str:
    """Check ``actor`` may open ``person``'s full record, audit the view, and return the basis of access."""
    basis = access.record_access_basis(actor, person)
    if basis is None:
        raise refuse(actor, "You do not have a care relationship with this person.", action="record.view_refused",
                     object_type="person", object_id=_person_ref(person), details={"what": what})
    grant = access.active_break_glass(actor, person) if basis == access.BREAK_GLASS else None
    record_event(actor, "record.view", object_type="person", object_id=_person_ref(person),
                 reason=grant.reason if grant else "", details={"what": what, "basis": basis})
    return basis


def open_emergency_summary(actor: User, person: m.Person) -> str:
    """Check ``actor`` may open ``person``'s emergency summary, audit the view, and return the basis."""
    basis = access.emergency_summary_basis(actor, person)
    if basis is None:
        raise refuse(actor, "You cannot open this person's emergency summary.", action="record.view_refused",
                     object_type="person", object_id=_person_ref(person), details={"what": "emergency_summary"})
    grant = access.active_break_glass(actor, person) if basis == access.BREAK_GLASS else None
    record_event(actor, "record.view", object_type="person", object_id=_person_ref(person),
                 reason=grant.reason if grant else "", details={"what": "emergency_summary", "basis": basis})
    return basis


def _ids(people) -> list[str]:
    return [str(person.pk) for person in people]


def search_register(actor: User, *, nhs_number: str, family_name: str,
                    date_of_birth: date | None) -> tuple[list[m.Person], list[m.Person]]:
    """Find people by NHS number, or last name and date of birth: those ``actor`` may open, and the others.

    The others are for offering a way to get access, never for showing who they are. The terms searched for are
    identifiers, so they are not kept; the audit names the people they matched and those shown.
    """
    require_permission(actor, Permission.VIEW_RECORD)
    matches = queries.matching_people(nhs_number=nhs_number, family_name=family_name, date_of_birth=date_of_birth)
    shown = [p for p in matches if access.record_access_basis(actor, p) is not None]
    record_event(actor, "register.search", object_type="person",
                 details={"by": "nhs_number" if nhs_number else "name_and_birth_date", "matched": _ids(matches),
                          "shown": _ids(shown)})
    return shown, [p for p in matches if p not in shown]


def record_duplicates_found(actor: User, kind: str, matches, *, shown) -> None:
    """Audit that adding a person found people who may be them, and which of those the user was shown."""
    record_event(actor, "register.duplicate_found", object_type="person",
                 details={"kind": kind, "matched": _ids(matches), "shown": _ids(shown)})


def record_list_shown(actor: User, action: str, people, **details) -> None:
    """Audit a page listing people: which list, how it was filtered, and exactly whose rows were shown (by id)."""
    record_event(actor, action, object_type="person", details={**details, "people": _ids(people)})


def open_break_glass_page(actor: User, person: m.Person) -> None:
    """Audit opening the break-glass page, which names the person's practice and whether they declined sharing."""
    require_permission(actor, Permission.BREAK_GLASS)
    record_event(actor, "record.break_glass_page", object_type="person", object_id=_person_ref(person))


REGISTER_EXPORT_COLUMNS = (
    "nhs_number", "given_name", "family_name", "date_of_birth", "practice_code", "status", "date_added",
    "prognosis", "main_diagnosis", "acp_recorded", "preferred_place_of_death",
)


def export_register(actor: User, filters: dict[str, Any]) -> list[list[str]]:
    """The register list ``actor`` may see, filtered, as rows of ``REGISTER_EXPORT_COLUMNS``; the export is audited
    with the filters and every person exported."""
    require_permission(actor, Permission.EXPORT_REGISTER)
    people = list(queries.filtered_register(actor, filters, timezone.localdate()))
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
    record_event(actor, "register.export_csv", object_type="register",
                 details={"rows": len(people), "filters": filters, "people": _ids(people)})
    return rows


def break_glass(actor: User, person: m.Person, reason: str, *, vital_interests: bool = False) -> m.BreakGlassAccess:
    """Grant ``actor`` time-limited access to a record they have no relationship with, for a stated reason.

    When the person declined sharing, the actor must also state that access is in the person's vital interests.
    """
    require_permission(actor, Permission.BREAK_GLASS)
    reason = reason.strip()
    if len(reason) < MINIMUM_REASON_LENGTH:
        raise ValidationError({"reason": "Explain why you need to see this record (at least 10 characters)."})
    if access.has_relationship(actor, person):
        raise ValidationError("You already have a care relationship with this person: break-glass is not needed.")
    declined = access.declined_sharing(person)
    if declined and not vital_interests:
        raise ValidationError({"vital_interests": "This person declined sharing: confirm that you need their record "
                                                  "to protect their vital interests."})
    with transaction.atomic():
        grant = m.BreakGlassAccess.objects.create(
            user=actor, person=person, reason=reason, expires_at=timezone.now() + BREAK_GLASS_DURATION,
            vital_interests=declined,
        )
        record_event(actor, "record.break_glass", object_type="person", object_id=_person_ref(person),
                     reason=reason, details={"expires_at": grant.expires_at.isoformat(), "break_glass_id": grant.pk,
                                             "declined_sharing": declined, "vital_interests": declined})
    return grant


def break_glass_in_review_scope(actor: User):
    """Break-glass uses the actor may review: by users of their organisation or any organisation beneath it, other
    than the actor's own."""
    require_permission(actor, Permission.REVIEW_BREAK_GLASS)
    grants = m.BreakGlassAccess.objects.select_related("user", "user__organisation", "person").exclude(user=actor)
    organisation = actor.organisation
    if organisation is None:
        return grants.none()
    if organisation.type == OrganisationType.ICB:
        return grants
    codes = _subtree_codes(organisation)
    return grants.filter(user__organisation__code__in=codes)


def _subtree_codes(organisation: Organisation) -> set[str]:
    codes, frontier = {organisation.code}, [organisation]
    while frontier:
        children = list(Organisation.objects.filter(parent__in=frontier))
        frontier = [c for c in children if c.code not in codes]
        codes.update(c.code for c in frontier)
    return codes


def review_break_glass(actor: User, grant: m.BreakGlassAccess, outcome: str, note: str = "") -> m.BreakGlassAccess:
    """Record a privacy officer's judgement of one break-glass access.

    Nobody reviews their own access; every refusal is audited.
    """
    refusal = None
    if not (actor is not None and actor.is_authenticated and actor.has_permission(Permission.REVIEW_BREAK_GLASS)):
        refusal = "Only a privacy officer can review emergency access."
    elif grant.user_id == actor.pk:
        refusal = "You cannot review your own emergency access: another privacy officer must review it."
    elif not break_glass_in_review_scope(actor).filter(pk=grant.pk).exists():
        refusal = "This break-glass access is outside your organisation."
    if refusal:
        raise refuse(actor, refusal, action="record.break_glass_review_refused", object_type="person",
                     object_id=_person_ref(grant.person), details={"break_glass_id": grant.pk, "refusal": refusal})
    if outcome not in {"appropriate", "inappropriate"}:
        raise ValidationError({"review_outcome": "Choose whether the access was appropriate."})
    with transaction.atomic():
        grant = m.BreakGlassAccess.objects.select_for_update().get(pk=grant.pk)
        grant.review_outcome, grant.review_note = outcome, note.strip()
        grant.reviewed_at, grant.reviewed_by = timezone.now(), actor.get_username()
        grant.save()
        record_event(actor, "record.break_glass_review", object_type="person", object_id=_person_ref(grant.person),
                     details={"break_glass_id": grant.pk, "outcome": outcome, "user": grant.user.get_username()})
    return grant


# --- writing -------------------------------------------------------------------------------------------------------


def _check_dates(person: m.Person, instance, today: date) -> None:
    """Dates in the record cannot be in the future or before the person was born."""
    errors = {}
    for field in type(instance)._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, date) and field.name != "date_of_birth":
            if value > today:
                errors[field.name] = "The date cannot be in the future."
            elif value < person.date_of_birth:
                errors[field.name] = "The date cannot be before the person's date of birth."
    if errors:
        raise ValidationError(errors)


def _validate_person(person: m.Person, today: date) -> None:
    # People type NHS numbers with spaces or hyphens; store the ten digits.
    digits = nhs_number.normalise(str(person.nhs_number))
    if digits is None or not nhs_number.is_valid(digits):
        raise ValidationError({"nhs_number": "Enter a valid 10-digit NHS number."})
    person.nhs_number = digits
    if person.date_of_birth > today:
        raise ValidationError({"date_of_birth": "Date of birth must be in the past."})
    # 125 years before a leap year is an odd year, so never a leap year: from 29 February the limit is 1 March.
    oldest = date(today.year - 125, 3, 1) if (today.month, today.day) == (2, 29) else today.replace(
        year=today.year - 125
    )
    if person.date_of_birth < oldest:
        raise ValidationError({"date_of_birth": "Date of birth must be within the last 125 years."})
    if person.practice_id and person.practice.type != OrganisationType.GP_PRACTICE:
        raise ValidationError({"practice": "Choose a GP practice."})
    person.postcode = person.postcode.strip().upper()
    person.full_clean(validate_unique=False)
    clash = m.Person.objects.filter(nhs_number=person.nhs_number).exclude(pk=person.pk).first()
    if clash:
        raise DuplicatePerson(clash)


def _require_edit(actor: User, person: m.Person, section: Section) -> dict[str, Any]:
    """Check ``actor`` may change ``section``; return the basis of their access, for the audit of the change."""
    for permission in section.edit_permissions:
        require_permission(actor, permission)
    basis = access.record_access_basis(actor, person)
    if basis is None:
        raise PermissionDenied("You do not have a care relationship with this person.")
    return _basis_details(actor, person, basis)


def _basis_details(actor: User, person: m.Person, basis: str) -> dict[str, Any]:
    if basis == access.BREAK_GLASS:
        grant = access.active_break_glass(actor, person)
        return {"basis": basis, "break_glass_id": grant.pk if grant else None}
    return {"basis": basis}


def _save_version(actor: User | None, person: m.Person, section: Section, state: m.RecordSection,
                  before: dict, review_date: date | None, system_actor: str = "", *, basis: dict[str, Any],
                  imported_from: str = "") -> m.RecordSection:
    """Keep the section's new version and audit it with ``basis``, the actor's access basis.

    Content ``imported_from`` another system is kept as imported and not reviewed, whoever imports it: nobody
    has confirmed it yet. Anything else a clinician saves counts as reviewed by them.
    """
    after = snapshot(person, section)
    changes = differences(before, after)
    review_date_changed = review_date is not None and review_date != state.review_date
    if not changes and not review_date_changed and state.version > 0:
        return state
    now = timezone.now()
    username = actor.get_username() if actor else system_actor
    organisation = actor.organisation.code if actor and actor.organisation else ""
    state.version += 1
    state.updated_at, state.updated_by, state.updated_by_organisation = now, username, organisation
    state.imported_from, state.imported_at, state.import_note = imported_from, now if imported_from else None, ""
    if imported_from:
        state.reviewed_at, state.reviewed_by = None, ""
    elif actor is None or actor.has_permission(Permission.RECORD_CLINICAL_DECISION):
        state.reviewed_at, state.reviewed_by = now, username
    if review_date is not None:
        state.review_date = review_date
    state.save()
    m.SectionVersion.objects.create(
        person=person, section=section.name, version=state.version, data=after, changes=changes,
        changed_by=username, changed_by_organisation=organisation,
    )
    details = {"section": section.name, "version": state.version, "changed": sorted(changes), **basis}
    if imported_from:
        details["imported"] = True
    record_event(actor, "record.update", object_type="person", object_id=_person_ref(person),
                 details=details, system_actor=system_actor or "system")
    return state


def _lock_state(person: m.Person, name: str) -> m.RecordSection:
    state, _ = m.RecordSection.objects.get_or_create(person=person, name=name)
    return m.RecordSection.objects.select_for_update().get(pk=state.pk)


def _apply(person: m.Person, section: Section, details: dict | None, items: list[dict] | None,
           today: date) -> None:
    if section.singleton_model is m.Person:
        for key, value in (details or {}).items():
            setattr(person, key, value)
        _validate_person(person, today)
        person.save()
        return
    if section.singleton_model is not None and details is not None:
        instance = section.singleton_model._default_manager.filter(person=person).first() or section.singleton_model(
            person=person
        )
        for key, value in details.items():
            setattr(instance, key, value)
        instance.full_clean()
        _check_dates(person, instance, today)
        instance.save()
    if section.list_model is not None and items is not None:
        # An item may name the row it edits by ``id`` (the edit page's hidden field); only this person's rows count,
        # each once, so a forged id cannot copy a link from another record or duplicate one.
        previous_rows = {row.pk: row for row in section.list_model._default_manager.filter(person=person)}
        rows = []
        for number, item in enumerate(items, start=1):
            item = dict(item)
            previous = previous_rows.pop(item.pop("id", None), None)
            row = section.list_model(person=person, **item)
            if previous is not None:
                _keep_fields_not_edited(previous, row, edited=item)
            try:
                row.full_clean()
                _check_dates(person, row, today)
            except ValidationError as error:
                raise ValidationError(f"Row {number}: {'; '.join(error.messages)}") from error
            rows.append(row)
        section.list_model._default_manager.filter(person=person).delete()
        section.list_model._default_manager.bulk_create(rows)


def _keep_fields_not_edited(previous, row, *, edited: dict) -> None:
    """Carry over what the editor's form does not hold, such as a care team member's link to their user account
    (which is what gives that user their relationship with the person)."""
    for field in type(row)._meta.concrete_fields:
        if field.name not in edited and field.attname not in edited and not field.primary_key \
                and field.name != "person":
            setattr(row, field.attname, getattr(previous, field.attname))


@_audits_refusal("record.update_refused")
def update_section(
    actor: User,
    person: m.Person,
    section_name: str,
    *,
    expected_version: int,
    details: dict[str, Any] | None = None,
    items: list[dict[str, Any]] | None = None,
    review_date: date | None = None,
    today: date | None = None,
    imported_from: str = "",
) -> m.RecordSection:
    """Save a new version of one section of ``person``'s record.

    ``details`` sets the section's single row; ``items`` replaces its list of rows. ``expected_version`` is the
    version the editor started from: if someone saved in between, ``EditConflict`` is raised and nothing changes.
    ``imported_from`` names the system the content came from: it is then kept as imported, not reviewed.
    An actor using break-glass may not change who has a relationship with the person
    (``RelationshipChangeRefused``; nothing is written and the refusal is audited).
    """
    section = SECTIONS[section_name]
    basis = _require_edit(actor, person, section)
    today = today or timezone.localdate()
    if review_date is not None and review_date < today:
        raise ValidationError({"review_date": "The review date must be today or later."})
    try:
        with transaction.atomic():
            state = _lock_state(person, section.name)
            if section.name == "after_death":
                # A death closes the entry too: lock it now, before the first audit event takes the chain's head
                # (a row lock taken after that could deadlock with an edit of the entry waiting for the head).
                _lock_state(person, "entry")
            if state.version != expected_version:
                raise EditConflict(state)
            person = m.Person.objects.select_related("practice").get(pk=person.pk)
            parties = access.relationship_parties(person)
            before = snapshot(person, section)
            _apply(person, section, details, items, today)
            if basis["basis"] == access.BREAK_GLASS and access.relationship_parties(person) != parties:
                raise RelationshipChangeRefused
            state = _save_version(actor, person, section, state, before, review_date, basis=basis,
                                  imported_from=imported_from)
            if section.name == "after_death":
                _close_entry_on_death(actor, person, today, basis)
            summary.refresh(person)
    except RelationshipChangeRefused:
        record_event(actor, "record.update_refused", object_type="person", object_id=_person_ref(person),
                     details={"section": section.name, "why": "relationship_change_under_break_glass", **basis})
        raise
    return state


def _close_entry_on_death(actor: User, person: m.Person, today: date, basis: dict[str, Any]) -> None:
    died_on = person.after_death.died_on
    entry = person.entry
    if entry.status == m.RegisterEntry._meta.get_field("status").default or entry.removed_on != died_on:
        section = SECTIONS["entry"]
        state = _lock_state(person, "entry")
        before = snapshot(person, section)
        entry.status, entry.removed_on, entry.removal_reason = "died", died_on, ""
        entry.save()
        _save_version(actor, person, section, state, before, None, basis=basis)


@_audits_refusal("record.review_refused")
def mark_reviewed(actor: User, person: m.Person, section_name: str, *,
                  expected_version: int | None) -> m.RecordSection:
    """A clinician confirms the current version of a section someone else entered.

    ``expected_version`` is the version the clinician saw; None (a page that sent none) is refused as out of date,
    once the actor is known to be allowed to review at all.
    """
    section = SECTIONS[section_name]
    require_permission(actor, Permission.RECORD_CLINICAL_DECISION)
    basis = _require_edit(actor, person, section)
    if expected_version is None:
        raise ValidationError("The page was out of date or incomplete. Open the record again to review it.")
    with transaction.atomic():
        state = _lock_state(person, section.name)
        if state.version != expected_version:
            raise EditConflict(state)
        state.reviewed_at, state.reviewed_by = timezone.now(), actor.get_username()
        state.save()
        summary.refresh(person)
        record_event(actor, "record.review", object_type="person", object_id=_person_ref(person),
                     details={"section": section.name, "version": state.version,
                              **({"imported_from": state.imported_from} if state.imported_from else {}), **basis})
    return state


def add_to_register(
    actor: User | None,
    *,
    person: dict[str, Any],
    entry: dict[str, Any],
    confirm_possible_duplicate: bool = False,
    review_date: date | None = None,
    today: date | None = None,
    system_actor: str = "",
    imported_from: str = "",
) -> m.Person:
    """Put a person on the register: their details and register entry, in one transaction.

    Refuses an NHS number already on the register (``DuplicatePerson``) and, unless confirmed, a person with the
    same family name and date of birth as someone on it (``PossibleDuplicate``). ``actor`` is None only for the
    system's own loading (``system_actor`` names it). An actor from outside the person's practice joins their
    care team, so they keep access to the record they created. ``imported_from`` names the system the details
    came from: they are then kept as imported, not reviewed.
    """
    if actor is not None or not system_actor:
        require_permission(actor, Permission.ADD_TO_REGISTER)
    today = today or timezone.localdate()
    with transaction.atomic():
        new_person = m.Person(**person)
        _validate_person(new_person, today)
        if not confirm_possible_duplicate:
            matches = list(m.Person.objects.filter(
                family_name__iexact=new_person.family_name, date_of_birth=new_person.date_of_birth
            ))
            if matches:
                raise PossibleDuplicate(matches)
        try:
            with transaction.atomic():
                new_person.save()
        except IntegrityError:
            # Someone added the same NHS number between the duplicate check and this insert.
            existing = m.Person.objects.filter(nhs_number=new_person.nhs_number).first()
            if existing is None:
                raise
            raise DuplicatePerson(existing) from None
        new_entry = m.RegisterEntry(person=new_person, **{"date_added": today, **entry})
        new_entry.full_clean()
        _check_dates(new_person, new_entry, today)
        new_entry.save()
        basis = {"basis": access.REGISTERING}
        for name in ("person", "entry"):
            state = m.RecordSection.objects.create(person=new_person, name=name)
            _save_version(actor, new_person, SECTIONS[name], state, {},
                          review_date if name == "entry" else None, system_actor=system_actor, basis=basis,
                          imported_from=imported_from)
        if actor is not None and not access.has_relationship(actor, new_person):
            _join_care_team(actor, new_person, basis)
        record_event(actor, "register.add", object_type="person", object_id=_person_ref(new_person),
                     details={"practice": new_person.practice.code, "route": new_entry.identification_route,
                              **basis}, system_actor=system_actor or "system")
        summary.refresh(new_person)
    return new_person


def _join_care_team(actor: User, person: m.Person, basis: dict[str, Any]) -> None:
    section = SECTIONS["care_team"]
    state = _lock_state(person, section.name)
    before = snapshot(person, section)
    m.CareTeamMember.objects.create(
        person=person, role=_CARE_TEAM_ROLE_FOR_USER_ROLE.get(actor.role, "other"),
        name=actor.get_full_name() or actor.get_username(), organisation=actor.organisation, user=actor,
    )
    _save_version(actor, person, section, state, before, None, basis=basis)
