"""Break-glass never turns into lasting access: edits that would change who has a relationship are refused under
it, and every change records the basis of the actor's access."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from peolc.register import access
from peolc.register.actions import (
    RelationshipChangeRefused,
    break_glass,
    mark_reviewed,
    update_section,
)
from peolc.register.models import BreakGlassAccess, CareTeamMember, Person, RecordSection

pytestmark = pytest.mark.django_db

REASON = "Admitted unconscious via the emergency department"


@pytest.fixture
def grant(users, person):
    """The hospital clinician's break-glass grant on the person."""
    return break_glass(users["hospital"], person, REASON)


def _version(person, name):
    state = RecordSection.objects.filter(person=person, name=name).first()
    return state.version if state else 0


@pytest.mark.parametrize("member", [
    {"role": "other", "name": "Me", "organisation": "acute"},
    {"role": "other", "name": "Me", "user": "hospital"},
])
def test_adding_oneself_to_the_care_team_under_break_glass_is_refused_and_audited(
        users, orgs, person, grant, events, member):
    hospital = users["hospital"]
    item = {**member}
    if "organisation" in item:
        item["organisation"] = orgs[item["organisation"]]
    if "user" in item:
        item["user"] = users[item["user"]]
    with pytest.raises(RelationshipChangeRefused, match="Ask the registering practice or care team to add you"):
        update_section(hospital, person, "care_team", expected_version=0, items=[item])
    assert not CareTeamMember.objects.filter(person=person).exists()
    assert _version(person, "care_team") == 0
    assert not [e for e in events("record.update") if e.actor_username == "hospital"]
    refused = events("record.update_refused")[-1]
    assert refused.actor_username == "hospital"
    assert refused.details == {"section": "care_team", "why": "relationship_change_under_break_glass",
                               "basis": "break_glass", "break_glass_id": grant.pk}
    # When the grant ends, so does access.
    BreakGlassAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert access.record_access_basis(hospital, person) is None


def test_moving_the_person_to_ones_own_practice_under_break_glass_is_refused(users, orgs, person, events):
    sibling = users["sibling_gp"]
    break_glass(sibling, person, REASON)
    with pytest.raises(RelationshipChangeRefused):
        update_section(sibling, person, "person", expected_version=1, details={"practice": orgs["other_practice"]})
    assert Person.objects.get(pk=person.pk).practice == orgs["practice"]
    assert events("record.update_refused")[-1].details["section"] == "person"


def test_changing_consent_to_share_under_break_glass_is_refused(users, add_person):
    declined = add_person(entry={"consent_to_share": "declined"})
    hospital = users["hospital"]
    break_glass(hospital, declined, REASON, vital_interests=True)
    with pytest.raises(RelationshipChangeRefused):
        update_section(hospital, declined, "entry", expected_version=1, details={"consent_to_share": "given"})
    assert Person.objects.get(pk=declined.pk).entry.consent_to_share == "declined"


def test_the_care_team_page_shows_the_refusal_under_break_glass(users, orgs, person, grant, client):
    client.force_login(users["hospital"])
    response = client.post(reverse("register:edit-section", args=[person.pk, "care_team"]), {
        "expected_version": "0", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000",
        "items-0-role": "other", "items-0-name": "Me", "items-0-organisation": orgs["acute"].pk,
    })
    assert response.status_code == 403
    assert "Ask the registering practice or care team to add you" in response.content.decode()
    assert not CareTeamMember.objects.filter(person=person).exists()


def test_other_edits_under_break_glass_are_kept_with_the_grant_in_the_audit(users, person, grant, events):
    update_section(users["hospital"], person, "preferences", expected_version=0,
                   details={"preferred_place_of_death": "home"})
    mark_reviewed(users["hospital"], person, "person", expected_version=1)
    update = events("record.update")[-1]
    assert update.details["basis"] == "break_glass" and update.details["break_glass_id"] == grant.pk
    review = events("record.review")[-1]
    assert review.details["basis"] == "break_glass" and review.details["break_glass_id"] == grant.pk


def test_after_the_grant_expires_nothing_can_be_changed(users, person, grant, events):
    BreakGlassAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(PermissionDenied):
        update_section(users["hospital"], person, "preferences", expected_version=0,
                       details={"preferred_place_of_death": "home"})


def test_a_clinician_with_a_relationship_changes_the_care_team_and_the_audit_says_so(users, orgs, person, events):
    update_section(users["gp"], person, "care_team", expected_version=0,
                   items=[{"role": "specialist_palliative", "name": "Hospice team", "organisation": orgs["hospice"]}])
    assert CareTeamMember.objects.filter(person=person, organisation=orgs["hospice"]).exists()
    assert events("record.update")[-1].details["basis"] == "relationship"
    assert access.record_access_basis(users["hospice"], person) == access.RELATIONSHIP


def test_the_access_report_shows_the_refused_change(users, orgs, person, grant, client):
    with pytest.raises(RelationshipChangeRefused):
        update_section(users["hospital"], person, "care_team", expected_version=0,
                       items=[{"role": "other", "name": "Me", "organisation": orgs["acute"]}])
    client.force_login(users["gp"])
    page = client.get(reverse("register:access-report", args=[person.pk])).content.decode()
    assert "Was refused a change to care team" in page
