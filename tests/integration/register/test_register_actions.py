"""Writing to the register: adding people, saving sections, locking, history, review state, duplicates, death."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from peolc.register.actions import (
    DuplicatePerson,
    EditConflict,
    PossibleDuplicate,
    add_to_register,
    mark_reviewed,
    update_section,
)
from peolc.register.models import (
    AfterDeath,
    AnticipatoryMedicine,
    Carer,
    CareTeamMember,
    Person,
    Preferences,
    RecordSection,
    RegisterEntry,
    SectionVersion,
)

pytestmark = pytest.mark.django_db

RESPECT = {"cpr_recommendation": "not_attempt", "decided_on": date(2024, 2, 1), "clinician_name": "Dr A Test",
           "clinician_role": "GP"}


def state(person, name):
    return RecordSection.objects.get(person=person, name=name)


# --- add_to_register ----------------------------------------------------------------------------------------------


def test_the_practice_gp_adds_a_person_with_versions_and_audit(users, person_data, events, no_identifiers_in_audit):
    data = person_data()
    person = add_to_register(users["gp"], **data)
    assert person.postcode == "LE1 1AA"
    assert person.entry.status == "active"
    assert person.entry.date_added == date(2024, 1, 10)
    assert {s.name: s.version for s in person.sections.all()} == {"person": 1, "entry": 1}
    assert all(s.reviewed for s in person.sections.all())
    assert SectionVersion.objects.filter(person=person).count() == 2
    assert not CareTeamMember.objects.filter(person=person).exists()  # the practice already has a relationship
    added = events("register.add")
    assert len(added) == 1
    assert added[0].object_id == str(person.pk)
    assert added[0].details == {"practice": "Y99001", "route": "clinician", "basis": "registering"}
    assert [e.details["section"] for e in events("record.update")] == ["person", "entry"]
    assert {e.details["basis"] for e in events("record.update")} == {"registering"}
    no_identifiers_in_audit(person)


def test_an_nhs_number_typed_with_spaces_is_stored_as_ten_digits(add_person, next_nhs_number):
    number = next_nhs_number()
    person = add_person(nhs_number=f"{number[:3]} {number[3:6]}-{number[6:]}")
    assert person.nhs_number == number


def test_a_clinician_outside_the_practice_joins_the_care_team_and_keeps_access(users, add_person, events):
    person = add_person(actor=users["hospice"])
    member = CareTeamMember.objects.get(person=person)
    assert (member.user, member.role, member.organisation.code) == (users["hospice"], "specialist_palliative", "NXX01")
    assert state(person, "care_team").version == 1
    assert [e.details["section"] for e in events("record.update")] == ["person", "entry", "care_team"]


def test_the_date_added_defaults_to_today(users, person_data):
    data = person_data()
    del data["entry"]["date_added"]
    person = add_to_register(users["gp"], **data, today=date(2025, 3, 3))
    assert person.entry.date_added == date(2025, 3, 3)


def test_the_system_adds_people_when_named(person_data, events):
    person = add_to_register(None, **person_data(), system_actor="peolc load")
    assert state(person, "person").updated_by == "peolc load"
    assert events("register.add")[0].actor_username == "peolc load"


@pytest.mark.parametrize("who", ["analyst", "editor", "admin", "urgent"])
def test_roles_without_the_permission_cannot_add_people(users, person_data, who, events):
    with pytest.raises(PermissionDenied):
        add_to_register(users[who], **person_data())
    assert not Person.objects.exists()
    assert not events()


@pytest.mark.parametrize("actor", [None, "inactive"])
def test_anonymous_and_inactive_users_cannot_add_people(users, person_data, actor, events):
    if actor == "inactive":
        actor = users["gp"]
        actor.is_active = False
        actor.save()
    with pytest.raises(PermissionDenied):
        add_to_register(actor, **person_data())
    assert not Person.objects.exists()
    assert not events()


@pytest.mark.parametrize(
    ("person", "entry", "field"),
    [
        ({"nhs_number": "1234567890"}, {}, "nhs_number"),
        ({"date_of_birth": date(2999, 1, 1)}, {}, "date_of_birth"),
        ({"date_of_birth": date(1850, 1, 1)}, {}, "date_of_birth"),
        ({"sex": "other"}, {}, "sex"),
        ({"given_name": ""}, {}, "given_name"),
        ({}, {"main_diagnosis": "flu"}, "main_diagnosis"),
        ({}, {"date_added": date(2999, 1, 1)}, "date_added"),
        ({}, {"date_added": date(1939, 1, 1)}, "date_added"),
        ({}, {"consent_to_share": ""}, "consent_to_share"),
    ],
)
def test_invalid_people_are_refused_with_nothing_written(users, person_data, person, entry, field, events):
    data = person_data(**person)
    data["entry"].update(entry)
    with pytest.raises(ValidationError) as error:
        add_to_register(users["gp"], **data)
    assert field in error.value.message_dict
    assert not Person.objects.exists()
    assert not RegisterEntry.objects.exists()
    assert not events()


def test_a_practice_must_be_a_gp_practice(users, person_data, orgs):
    with pytest.raises(ValidationError) as error:
        add_to_register(users["gp"], **person_data(practice=orgs["hospice"]))
    assert "practice" in error.value.message_dict


def test_an_nhs_number_already_on_the_register_is_a_duplicate(users, person, person_data):
    with pytest.raises(DuplicatePerson) as error:
        add_to_register(users["gp"], **person_data(nhs_number=person.nhs_number, family_name="Other"))
    assert error.value.existing == person
    assert Person.objects.count() == 1


def test_same_family_name_and_birth_date_needs_confirmation(users, person, person_data):
    data = person_data(family_name=person.family_name.upper(), given_name="Bea")
    with pytest.raises(PossibleDuplicate) as error:
        add_to_register(users["gp"], **data)
    assert error.value.matches == [person]
    assert Person.objects.count() == 1
    twin = add_to_register(users["gp"], **data, confirm_possible_duplicate=True)
    assert Person.objects.count() == 2
    assert twin.given_name == "Bea"


# --- update_section -------------------------------------------------------------------------------------------------


def test_a_gp_saves_a_section_as_a_new_reviewed_version(users, person, events, no_identifiers_in_audit):
    saved = update_section(users["gp"], person, "preferences", expected_version=0,
                           details={"preferred_place_of_death": "home", "what_matters": "My garden"},
                           review_date=timezone.localdate() + timedelta(days=30))
    assert saved.version == 1
    assert saved.reviewed and saved.reviewed_by == "gp"
    assert saved.updated_by_organisation == "Y99001"
    assert saved.review_date == timezone.localdate() + timedelta(days=30)
    assert Preferences.objects.get(person=person).what_matters == "My garden"
    version = SectionVersion.objects.get(person=person, section="preferences")
    assert version.data["preferred_place_of_death"] == "home"
    assert version.changes["what_matters"] == {"from": None, "to": "My garden"}
    event = events("record.update")[-1]
    assert event.object_id == str(person.pk)
    assert event.details["section"] == "preferences"
    assert event.details["version"] == 1
    assert "what_matters" in event.details["changed"]
    assert "My garden" not in str(event.details)
    no_identifiers_in_audit(person)


def test_a_second_save_keeps_both_versions_and_their_differences(users, person):
    update_section(users["gp"], person, "preferences", expected_version=0, details={"preferred_place_of_death": "home"})
    update_section(users["gp"], person, "preferences", expected_version=1,
                   details={"preferred_place_of_death": "hospice"})
    versions = list(SectionVersion.objects.filter(person=person, section="preferences"))
    assert [v.version for v in versions] == [2, 1]
    assert versions[0].changes == {"preferred_place_of_death": {"from": "home", "to": "hospice"}}
    assert versions[1].data["preferred_place_of_death"] == "home"


def test_saving_without_a_change_writes_no_version(users, person, events):
    update_section(users["gp"], person, "preferences", expected_version=0, details={"preferred_place_of_death": "home"})
    count = len(events())
    again = update_section(users["gp"], person, "preferences", expected_version=1,
                           details={"preferred_place_of_death": "home"})
    assert again.version == 1
    assert len(events()) == count


def test_a_stale_version_is_an_edit_conflict_and_nothing_is_written(users, person, events):
    update_section(users["gp"], person, "preferences", expected_version=0, details={"preferred_place_of_death": "home"})
    count = len(events())
    with pytest.raises(EditConflict) as error:
        update_section(users["coordinator"], person, "preferences", expected_version=0,
                       details={"preferred_place_of_death": "hospital"})
    assert "changed by gp" in str(error.value)
    assert "have not been saved" in str(error.value)
    assert error.value.state.version == 1
    assert Preferences.objects.get(person=person).preferred_place_of_death == "home"
    assert SectionVersion.objects.filter(person=person, section="preferences").count() == 1
    [refused] = events()[count:]
    assert (refused.action, refused.actor_username) == ("record.update_refused", "coordinator")
    assert refused.details == {"section": "preferences", "reason": "edit_conflict", "expected_version": 0,
                               "current_version": 1}


def test_a_stale_person_section_is_refused_too(users, person):
    with pytest.raises(EditConflict):
        update_section(users["gp"], person, "person", expected_version=0, details={"given_name": "Changed"})
    assert Person.objects.get(pk=person.pk).given_name == "Ada"


def test_a_care_coordinator_save_is_not_reviewed_until_a_clinician_confirms(users, person, events):
    saved = update_section(users["coordinator"], person, "carers", expected_version=0,
                           items=[{"name": "Bob", "relationship": "Husband"}])
    assert saved.version == 1
    assert not saved.reviewed
    with pytest.raises(EditConflict):
        mark_reviewed(users["gp"], person, "carers", expected_version=0)
    reviewed = mark_reviewed(users["gp"], person, "carers", expected_version=1)
    assert reviewed.reviewed and reviewed.reviewed_by == "gp"
    assert reviewed.version == 1
    event = events("record.review")[0]
    assert (event.object_id, event.details) == (str(person.pk), {"section": "carers", "version": 1,
                                                                 "basis": "relationship"})


def test_a_care_coordinator_cannot_mark_sections_reviewed(users, person):
    update_section(users["coordinator"], person, "carers", expected_version=0,
                   items=[{"name": "Bob", "relationship": "Husband"}])
    with pytest.raises(PermissionDenied):
        mark_reviewed(users["coordinator"], person, "carers", expected_version=1)
    assert not state(person, "carers").reviewed


@pytest.mark.parametrize("who", ["far_gp", "hospice", "urgent"])
def test_mark_reviewed_needs_a_relationship(users, person, who):
    with pytest.raises(PermissionDenied):
        mark_reviewed(users[who], person, "entry", expected_version=1)


def test_a_care_coordinator_cannot_record_clinical_decisions(users, person):
    with pytest.raises(PermissionDenied):
        update_section(users["coordinator"], person, "respect", expected_version=0, details=RESPECT)
    assert not RecordSection.objects.filter(person=person, name="respect").exists()
    state_ = update_section(users["gp"], person, "respect", expected_version=0, details=RESPECT)
    assert state_.version == 1


@pytest.mark.parametrize("who", ["analyst", "editor", "admin", "urgent"])
def test_roles_without_edit_permission_cannot_save_any_section(users, person, who, events):
    count = len(events())
    with pytest.raises(PermissionDenied):
        update_section(users[who], person, "preferences", expected_version=0,
                       details={"preferred_place_of_death": "home"})
    assert not Preferences.objects.filter(person=person).exists()
    [refused] = events()[count:]
    assert (refused.action, refused.actor_username, refused.object_id) == (
        "record.update_refused", users[who].username, str(person.pk))
    assert refused.details["section"] == "preferences"
    assert refused.details["reason"] == "not_permitted"


@pytest.mark.parametrize("who", ["sibling_gp", "far_gp", "hospice", "hospital", "nurse"])
def test_clinicians_without_a_relationship_cannot_save(users, person, who):
    with pytest.raises(PermissionDenied):
        update_section(users[who], person, "preferences", expected_version=0,
                       details={"preferred_place_of_death": "home"})
    assert not Preferences.objects.filter(person=person).exists()


def test_an_inactive_gp_cannot_save(users, person):
    gp = users["gp"]
    gp.is_active = False
    gp.save()
    with pytest.raises(PermissionDenied):
        update_section(gp, person, "preferences", expected_version=0, details={"preferred_place_of_death": "home"})


def test_a_bad_list_row_leaves_the_whole_section_untouched(users, person):
    update_section(users["gp"], person, "carers", expected_version=0,
                   items=[{"name": "Bob", "relationship": "Husband"}])
    with pytest.raises(ValidationError, match="Row 2"):
        update_section(users["gp"], person, "carers", expected_version=1, items=[
            {"name": "Carol", "relationship": "Daughter"},
            {"name": "Dan", "relationship": "Son", "assessment_completed_on": date(2999, 1, 1)},
        ])
    assert list(Carer.objects.filter(person=person).values_list("name", flat=True)) == ["Bob"]
    assert state(person, "carers").version == 1


def test_a_bad_medicine_row_keeps_the_medicines_and_their_details(users, person):
    update_section(users["gp"], person, "medicines", expected_version=0,
                   details={"medicines_location": "Kitchen"},
                   items=[{"drug": "Midazolam", "route": "subcutaneous", "prescribed_on": date(2024, 2, 1)}])
    with pytest.raises(ValidationError):
        update_section(users["gp"], person, "medicines", expected_version=1, details={"medicines_location": "Hall"},
                       items=[{"drug": "Morphine", "route": "intravenous", "prescribed_on": date(2024, 2, 1)}])
    assert person.anticipatory_care.medicines_location == "Kitchen"
    assert list(AnticipatoryMedicine.objects.values_list("drug", flat=True)) == ["Midazolam"]


@pytest.mark.parametrize(
    ("value", "message"),
    [(date(2999, 1, 1), "future"), (date(1930, 1, 1), "before the person's date of birth")],
)
def test_dates_in_a_section_cannot_be_in_the_future_or_before_birth(users, person, value, message):
    with pytest.raises(ValidationError, match=message):
        update_section(users["gp"], person, "respect", expected_version=0, details={**RESPECT, "decided_on": value})
    assert not RecordSection.objects.filter(person=person, name="respect").exists()


def test_a_review_date_in_the_past_is_refused(users, person):
    with pytest.raises(ValidationError) as error:
        update_section(users["gp"], person, "preferences", expected_version=0,
                       details={"preferred_place_of_death": "home"},
                       review_date=timezone.localdate() - timedelta(days=1))
    assert "review_date" in error.value.message_dict


def test_changing_the_nhs_number_to_anothers_is_a_duplicate(users, person, add_person):
    other = add_person(n=2)
    with pytest.raises(DuplicatePerson):
        update_section(users["gp"], other, "person", expected_version=1, details={"nhs_number": person.nhs_number})
    assert Person.objects.get(pk=other.pk).nhs_number != person.nhs_number


# --- after death ------------------------------------------------------------------------------------------------------


def test_recording_a_death_closes_the_register_entry(users, person, events):
    died = timezone.localdate() - timedelta(days=2)
    update_section(users["gp"], person, "after_death", expected_version=0, details={
        "died_on": died, "place_of_death": "home", "preferred_place_achieved": "yes",
    })
    entry = RegisterEntry.objects.get(person=person)
    assert (entry.status, entry.removed_on, entry.removal_reason) == ("died", died, "")
    assert state(person, "entry").version == 2
    version = SectionVersion.objects.get(person=person, section="entry", version=2)
    assert version.changes["status"] == {"from": "active", "to": "died"}
    assert [e.details["section"] for e in events("record.update")][-2:] == ["after_death", "entry"]


def test_correcting_the_date_of_death_moves_the_removal_date(users, person):
    first = timezone.localdate() - timedelta(days=5)
    update_section(users["gp"], person, "after_death", expected_version=0, details={
        "died_on": first, "place_of_death": "home", "preferred_place_achieved": "yes",
    })
    update_section(users["gp"], person, "after_death", expected_version=1,
                   details={"died_on": first + timedelta(days=1)})
    assert RegisterEntry.objects.get(person=person).removed_on == first + timedelta(days=1)
    assert state(person, "entry").version == 3


def test_a_death_in_the_future_is_refused_and_the_entry_stays_open(users, person):
    with pytest.raises(ValidationError, match="future"):
        update_section(users["gp"], person, "after_death", expected_version=0, details={
            "died_on": timezone.localdate() + timedelta(days=1), "place_of_death": "home",
            "preferred_place_achieved": "yes",
        })
    assert RegisterEntry.objects.get(person=person).status == "active"
    assert not AfterDeath.objects.exists()
