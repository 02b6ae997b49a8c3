"""Who may open whose record, break-glass and its review: every allowed path and every refusal, with its audit."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from peolc.register import access
from peolc.register.actions import (
    BREAK_GLASS_DURATION,
    break_glass,
    break_glass_in_review_scope,
    open_emergency_summary,
    open_record,
    review_break_glass,
    update_section,
)
from peolc.register.models import BreakGlassAccess, CareTeamMember

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["gp", "coordinator"])
def test_the_practice_and_its_network_open_the_record_by_relationship(
    users, person, who, events, no_identifiers_in_audit
):
    assert open_record(users[who], person) == access.RELATIONSHIP
    event = events("record.view")[-1]
    assert event.actor_username == users[who].username
    assert (event.object_type, event.object_id) == ("person", str(person.pk))
    assert event.details == {"what": "record", "basis": "relationship"}
    assert event.reason == ""
    no_identifiers_in_audit(person)


def test_a_care_team_member_from_another_organisation_has_a_relationship(users, person):
    CareTeamMember.objects.create(person=person, role="specialist_palliative", name="H", user=users["hospice"])
    assert open_record(users["hospice"], person) == access.RELATIONSHIP


def test_an_organisation_named_on_the_care_team_gives_its_staff_a_relationship(users, person, orgs):
    CareTeamMember.objects.create(person=person, role="district_nurse", name="Team", organisation=orgs["community"])
    assert access.has_relationship(users["nurse"], person)
    assert open_record(users["nurse"], person) == access.RELATIONSHIP


@pytest.mark.parametrize("who", ["sibling_gp", "far_gp", "nurse", "hospice", "hospital", "urgent"])
def test_clinicians_without_a_relationship_are_refused_and_the_refusal_audited(users, person, who, events):
    with pytest.raises(PermissionDenied):
        open_record(users[who], person)
    refused = events("record.view_refused")
    assert len(refused) == 1
    assert refused[0].actor_username == users[who].username
    assert refused[0].object_id == str(person.pk)
    assert refused[0].details == {"what": "record"}
    assert not events("record.view")


@pytest.mark.parametrize("who", ["analyst", "editor", "admin", "locality_admin"])
def test_roles_without_record_access_are_refused_the_record_and_the_emergency_summary(users, person, who, events):
    with pytest.raises(PermissionDenied):
        open_record(users[who], person)
    with pytest.raises(PermissionDenied):
        open_emergency_summary(users[who], person)
    assert [e.details["what"] for e in events("record.view_refused")] == ["record", "emergency_summary"]
    assert access.people_in_scope(users[who]).count() == (0 if who != "locality_admin" else 1)


def test_an_icb_analyst_never_has_people_in_scope_even_on_a_care_team(users, person):
    CareTeamMember.objects.create(person=person, role="other", name="Analyst", user=users["analyst"])
    assert access.record_access_basis(users["analyst"], person) is None
    with pytest.raises(PermissionDenied):
        open_record(users["analyst"], person)


def test_an_inactive_user_is_refused_even_at_the_practice(users, person):
    gp = users["gp"]
    gp.is_active = False
    gp.save()
    assert not access.people_in_scope(gp).exists()
    with pytest.raises(PermissionDenied):
        open_record(gp, person)
    with pytest.raises(PermissionDenied):
        break_glass(gp, person, "Needed urgently for an emergency admission")


@pytest.mark.parametrize("anonymous", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_anonymous_callers_are_refused_everything(person, anonymous, events):
    with pytest.raises(PermissionDenied):
        open_record(anonymous, person)
    with pytest.raises(PermissionDenied):
        open_emergency_summary(anonymous, person)
    with pytest.raises(PermissionDenied):
        break_glass(anonymous, person, "Needed urgently for an emergency admission")
    with pytest.raises(PermissionDenied):
        update_section(anonymous, person, "preferences", expected_version=0,
                       details={"preferred_place_of_death": "home"})
    expected = "system" if anonymous is None else "anonymous"
    assert {e.actor_username for e in events("record.view_refused")} == {expected}
    assert not BreakGlassAccess.objects.exists()


def test_urgent_care_opens_any_emergency_summary_but_not_the_full_record(users, person, events):
    assert open_emergency_summary(users["urgent"], person) == access.URGENT_CARE
    event = events("record.view")[-1]
    assert event.details == {"what": "emergency_summary", "basis": "urgent_care"}
    assert event.object_id == str(person.pk)
    with pytest.raises(PermissionDenied):
        open_record(users["urgent"], person)
    assert events("record.view_refused")[-1].details == {"what": "record"}


@pytest.mark.parametrize("who", ["hospice", "hospital", "far_gp"])
def test_other_clinicians_need_a_relationship_for_the_emergency_summary(users, person, who, events):
    with pytest.raises(PermissionDenied):
        open_emergency_summary(users[who], person)
    assert events("record.view_refused")[-1].details == {"what": "emergency_summary"}


def test_the_practice_opens_the_emergency_summary_by_relationship(users, person):
    assert open_emergency_summary(users["gp"], person) == access.RELATIONSHIP


def test_break_glass_grants_time_limited_access_with_the_reason_audited(users, person, events, no_identifiers_in_audit):
    hospital = users["hospital"]
    assert access.may_break_glass(hospital, person)
    before = timezone.now()
    grant = break_glass(hospital, person, "  Admitted unconscious via the emergency department  ")
    assert grant.reason == "Admitted unconscious via the emergency department"
    assert before + BREAK_GLASS_DURATION <= grant.expires_at <= timezone.now() + BREAK_GLASS_DURATION
    event = events("record.break_glass")[0]
    assert (event.actor_username, event.object_id, event.reason) == ("hospital", str(person.pk), grant.reason)
    assert open_record(hospital, person) == access.BREAK_GLASS
    view = events("record.view")[-1]
    assert view.details == {"what": "record", "basis": "break_glass"}
    assert view.reason == grant.reason
    assert open_emergency_summary(hospital, person) == access.BREAK_GLASS
    no_identifiers_in_audit(person)


def test_urgent_care_sees_the_summary_by_role_even_holding_break_glass_which_opens_the_record(users, person, events):
    urgent = users["urgent"]
    break_glass(urgent, person, "Attending a 999 call at the patient's home")
    assert open_emergency_summary(urgent, person) == access.URGENT_CARE
    assert events("record.view")[-1].details == {"what": "emergency_summary", "basis": "urgent_care"}
    assert open_record(urgent, person) == access.BREAK_GLASS


def test_break_glass_lets_the_clinician_edit_while_it_lasts(users, person):
    break_glass(users["hospital"], person, "Admitted unconscious via the emergency department")
    state = update_section(users["hospital"], person, "preferences", expected_version=0,
                           details={"preferred_place_of_death": "home"})
    assert state.version == 1


def test_an_expired_break_glass_no_longer_opens_the_record(users, person, events):
    grant = break_glass(users["hospital"], person, "Admitted unconscious via the emergency department")
    BreakGlassAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert access.active_break_glass(users["hospital"], person) is None
    with pytest.raises(PermissionDenied):
        open_record(users["hospital"], person)
    assert events("record.view_refused")[-1].actor_username == "hospital"


def test_break_glass_belongs_to_the_user_who_asked(users, person):
    break_glass(users["hospital"], person, "Admitted unconscious via the emergency department")
    with pytest.raises(PermissionDenied):
        open_record(users["hospice"], person)


@pytest.mark.parametrize("reason", ["", "   ", "too short"])
def test_break_glass_needs_a_real_reason(users, person, reason, events):
    with pytest.raises(ValidationError):
        break_glass(users["hospital"], person, reason)
    assert not BreakGlassAccess.objects.exists()
    assert not events("record.break_glass")


def test_break_glass_is_refused_to_those_with_a_relationship(users, person):
    assert not access.may_break_glass(users["gp"], person)
    with pytest.raises(ValidationError):
        break_glass(users["gp"], person, "Just curious about this person today")
    assert not BreakGlassAccess.objects.exists()


@pytest.mark.parametrize("who", ["analyst", "editor", "admin"])
def test_roles_without_the_permission_cannot_break_glass(users, person, who):
    assert not access.may_break_glass(users[who], person)
    with pytest.raises(PermissionDenied):
        break_glass(users[who], person, "Admitted unconscious via the emergency department")
    assert not BreakGlassAccess.objects.exists()


def test_an_icb_privacy_officer_reviews_every_break_glass_and_the_review_is_audited(users, person, events):
    grant = break_glass(users["hospital"], person, "Admitted unconscious via the emergency department")
    assert list(break_glass_in_review_scope(users["privacy"])) == [grant]
    reviewed = review_break_glass(users["privacy"], grant, "appropriate", "  Seen in ED  ")
    assert (reviewed.review_outcome, reviewed.review_note, reviewed.reviewed_by) == ("appropriate", "Seen in ED",
                                                                                     "privacy")
    assert reviewed.reviewed_at is not None
    event = events("record.break_glass_review")[0]
    assert event.object_id == str(person.pk)
    assert event.details == {"break_glass_id": grant.pk, "outcome": "appropriate", "user": "hospital"}


def test_a_locality_privacy_officer_reviews_only_its_own_organisations(users, person, events):
    inside = break_glass(users["hospice"], person, "Admitted to the hospice out of hours today")
    outside = break_glass(users["hospital"], person, "Admitted unconscious via the emergency department")
    assert list(break_glass_in_review_scope(users["locality_privacy"])) == [inside]
    with pytest.raises(PermissionDenied):
        review_break_glass(users["locality_privacy"], outside, "appropriate")
    assert not events("record.break_glass_review")
    assert events("record.break_glass_review_refused")[0].details["break_glass_id"] == outside.pk
    review_break_glass(users["locality_privacy"], inside, "inappropriate", "No care episode found")
    assert BreakGlassAccess.objects.get(pk=inside.pk).review_outcome == "inappropriate"


def test_a_review_needs_an_outcome(users, person):
    grant = break_glass(users["hospital"], person, "Admitted unconscious via the emergency department")
    with pytest.raises(ValidationError):
        review_break_glass(users["privacy"], grant, "fine")
    assert BreakGlassAccess.objects.get(pk=grant.pk).reviewed_at is None


def test_nobody_reviews_their_own_break_glass(users, person, events):
    """A clinician who broke glass and later became a privacy officer still cannot approve their own access."""
    from peolc.core.actions.users import update_user

    grant = break_glass(users["hospital"], person, "Admitted unconscious via the emergency department")
    update_user(users["admin"], users["hospital"], role="privacy_officer", organisation=users["privacy"].organisation)
    officer = type(users["hospital"]).objects.get(pk=users["hospital"].pk)
    assert grant not in break_glass_in_review_scope(officer)
    with pytest.raises(PermissionDenied, match="cannot review your own"):
        review_break_glass(officer, grant, "appropriate")
    assert BreakGlassAccess.objects.get(pk=grant.pk).reviewed_at is None
    refused = events("record.break_glass_review_refused")[0]
    assert (refused.actor_username, refused.details["break_glass_id"]) == ("hospital", grant.pk)
    review_break_glass(users["privacy"], grant, "appropriate")


@pytest.mark.parametrize("who", ["gp", "hospital", "analyst", "editor", "admin"])
def test_only_privacy_officers_review_break_glass(users, person, who, events):
    grant = break_glass(users["hospital"], person, "Admitted unconscious via the emergency department")
    with pytest.raises(PermissionDenied):
        review_break_glass(users[who], grant, "appropriate")
    assert events("record.break_glass_review_refused")
    with pytest.raises(PermissionDenied):
        break_glass_in_review_scope(users[who])


def test_a_privacy_officer_without_an_organisation_reviews_nothing(users, person):
    officer = users["privacy"]
    officer.organisation = None
    officer.save()
    break_glass(users["hospital"], person, "Admitted unconscious via the emergency department")
    assert not break_glass_in_review_scope(officer).exists()
