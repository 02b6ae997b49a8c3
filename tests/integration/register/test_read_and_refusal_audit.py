"""Every page showing person-level data audits the view, and every refusal is audited."""

import pytest
from django.urls import reverse

from peolc.core.models import AuditEvent
from peolc.register.actions import update_section

pytestmark = pytest.mark.django_db


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-id").first()


def test_opening_a_section_to_edit_it_is_an_audited_view(client, users, person, no_identifiers_in_audit):
    client.force_login(users["gp"])
    response = client.get(reverse("register:edit-section", args=[person.pk, "respect"]))
    assert response.status_code == 200
    event = _last("record.view")
    assert (event.actor_username, event.object_id) == ("gp", str(person.pk))
    assert event.details == {"what": "edit:respect", "basis": "relationship"}
    no_identifiers_in_audit(person)


def test_the_access_report_describes_an_edit_page_view(client, users, person):
    client.force_login(users["gp"])
    client.get(reverse("register:edit-section", args=[person.pk, "respect"]))
    report = client.get(reverse("register:access-report", args=[person.pk])).content.decode()
    assert "Viewed for editing: ReSPECT and CPR decision" in report


def test_opening_an_edit_page_without_a_relationship_is_refused_and_audited(client, users, person):
    client.force_login(users["far_gp"])
    response = client.get(reverse("register:edit-section", args=[person.pk, "respect"]))
    assert response.status_code == 403
    event = _last("record.view_refused")
    assert (event.actor_username, event.object_id, event.details) == (
        "far-gp", str(person.pk), {"what": "edit:respect"})
    assert not AuditEvent.objects.filter(action="record.view", actor_username="far-gp").exists()


def test_a_non_clinician_refused_a_clinical_section_is_audited(client, users, person):
    client.force_login(users["coordinator"])
    response = client.post(reverse("register:edit-section", args=[person.pk, "respect"]),
                           {"expected_version": "0", "cpr_recommendation": "not_for_cpr"})
    assert response.status_code == 403
    event = _last("record.update_refused")
    assert (event.actor_username, event.object_id) == ("coordinator", str(person.pk))
    assert event.details == {"section": "respect", "reason": "not_permitted"}
    assert AuditEvent.objects.filter(action="access.refused").count() == 0  # recorded once, not twice


def test_an_edit_conflict_on_the_page_is_audited(client, users, person):
    update_section(users["gp"], person, "preferences", expected_version=0, details={"preferred_place_of_death": "home"})
    client.force_login(users["coordinator"])
    response = client.post(reverse("register:edit-section", args=[person.pk, "preferences"]),
                           {"expected_version": "0", "preferred_place_of_death": "hospice", "has_capacity": "unknown"})
    assert response.status_code == 409
    event = _last("record.update_refused")
    assert event.details["reason"] == "edit_conflict"
    assert event.actor_username == "coordinator"


def test_a_refused_review_is_audited(client, users, person):
    client.force_login(users["far_gp"])
    response = client.post(reverse("register:review-section", args=[person.pk, "entry"]), {"expected_version": "1"})
    assert response.status_code == 403
    event = _last("record.review_refused")
    assert (event.actor_username, event.object_id) == ("far-gp", str(person.pk))
    assert event.details["section"] == "entry"
    assert AuditEvent.objects.filter(action="access.refused").count() == 0


def test_a_conflicting_review_is_audited(client, users, person):
    client.force_login(users["gp"])
    response = client.post(reverse("register:review-section", args=[person.pk, "entry"]), {"expected_version": "0"})
    assert response.status_code == 302
    assert _last("record.review_refused").details["reason"] == "edit_conflict"


@pytest.mark.parametrize(("who", "url"), [
    ("analyst", "register:list"), ("analyst", "register:worklists"), ("analyst", "register:find"),
    ("editor", "register:export"), ("gp", "core:user-list"), ("urgent", "register:import"),
])
def test_a_role_refused_a_page_is_audited_with_the_permission_it_lacked(client, users, who, url):
    client.force_login(users[who])
    assert client.get(reverse(url) + "?prognosis=9990000018").status_code == 403
    event = _last("access.refused")
    assert event.actor_username == users[who].username
    assert event.details["path"] == reverse(url)
    assert event.details["permission"]
    assert "9990000018" not in str(event.details)  # the query string is never kept


def test_refusals_raised_deeper_in_a_view_are_audited_by_the_403_page(client, users, loaded):
    from peolc.finding.models import Candidate

    elsewhere = Candidate.objects.filter(practice__code="Y99001").first()
    client.force_login(users["far_gp"])
    response = client.get(reverse("finding:add-candidate", args=[elsewhere.pk]))
    assert response.status_code == 403
    event = _last("access.refused")
    assert event.actor_username == "far-gp"
    assert event.details["path"] == reverse("finding:add-candidate", args=[elsewhere.pk])
    assert "practice" in event.details["message"]


def test_the_register_list_audits_whose_rows_were_shown_and_the_filters(client, users, add_person,
                                                                        no_identifiers_in_audit):
    people = [add_person(n=i) for i in range(3)]
    client.force_login(users["gp"])
    assert client.get(reverse("register:list"), {"prognosis": "months", "junk": "9990000018"}).status_code == 200
    event = _last("register.view_list")
    assert event.actor_username == "gp"
    assert sorted(event.details["people"]) == sorted(str(p.pk) for p in people)
    assert event.details["filters"] == {"prognosis": "months"}
    assert event.details["page"] == 1
    no_identifiers_in_audit(*people)


def test_a_register_list_page_audits_only_the_rows_on_that_page(client, users, add_person):
    people = [add_person(n=i) for i in range(52)]
    client.force_login(users["gp"])
    client.get(reverse("register:list"), {"page": "2"})
    event = _last("register.view_list")
    assert len(event.details["people"]) == 2
    assert set(event.details["people"]) <= {str(p.pk) for p in people}


def test_a_worklist_audits_whose_rows_were_shown(client, users, add_person):
    people = [add_person(n=i) for i in range(2)]
    client.force_login(users["gp"])
    assert client.get(reverse("register:worklists"), {"list": "no_acp"}).status_code == 200
    event = _last("register.view_worklist")
    assert event.details["worklist"] == "no_acp"
    assert sorted(event.details["people"]) == sorted(str(p.pk) for p in people)


def test_a_csv_export_audits_which_people_were_exported(client, users, add_person, no_identifiers_in_audit):
    people = [add_person(n=i) for i in range(2)]
    client.force_login(users["gp"])
    response = client.get(reverse("register:export"), {"status": "active"})
    assert response.status_code == 200
    event = _last("register.export_csv")
    assert sorted(event.details["people"]) == sorted(str(p.pk) for p in people)
    assert event.details["rows"] == 2
    assert event.details["filters"] == {"status": "active"}
    no_identifiers_in_audit(*people)


def test_opening_a_candidate_to_add_them_is_audited(client, users, loaded):
    from peolc.finding.models import Candidate

    candidate = Candidate.objects.filter(practice__code="Y99001").first()
    client.force_login(users["gp"])
    assert client.get(reverse("finding:add-candidate", args=[candidate.pk])).status_code == 200
    event = _last("finding.view_candidate")
    assert (event.actor_username, event.object_type, event.object_id) == ("gp", "candidate", str(candidate.pk))
    assert candidate.nhs_number not in str(event.details)


def test_the_candidate_list_audits_which_candidates_were_shown(client, users, loaded):
    from peolc.finding.models import Candidate

    client.force_login(users["gp"])
    assert client.get(reverse("finding:candidates"), {"practice": "Y99001"}).status_code == 200
    event = _last("finding.view_candidates")
    assert sorted(event.details["shown"]) == sorted(
        str(c.pk) for c in Candidate.objects.filter(practice__code="Y99001", status="to_review"))


def test_the_break_glass_review_list_audits_whose_grants_were_shown(client, users, person, make_user, orgs):
    from peolc.core.permissions import ROLE_PERMISSIONS, Permission
    from peolc.register.actions import break_glass

    break_glass(users["hospital"], person, "Admitted unconscious, need the ReSPECT decision")
    role = next(r for r, granted in ROLE_PERMISSIONS.items() if Permission.REVIEW_BREAK_GLASS in granted)
    client.force_login(make_user("reviewer", role, orgs["icb"]))
    assert client.get(reverse("register:break-glass-review-list")).status_code == 200
    event = _last("register.view_break_glass_reviews")
    assert event.actor_username == "reviewer"
    assert event.details["people"] == [str(person.pk)]


def test_opening_the_break_glass_page_is_audited(client, users, person):
    client.force_login(users["hospital"])
    assert client.get(reverse("register:break-glass", args=[person.pk])).status_code == 200
    event = _last("record.break_glass_page")
    assert (event.actor_username, event.object_id) == (users["hospital"].username, str(person.pk))
