"""A person who declined sharing: seen only by their practice and their care team; everyone else may break glass
only in their vital interests. One test per role, through the access rule, the actions and the pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from peolc.register import access
from peolc.register.actions import break_glass, open_emergency_summary, open_record, update_section
from peolc.register.models import BreakGlassAccess

pytestmark = pytest.mark.django_db


@pytest.fixture
def declined(add_person):
    """A person at the practice who declined to share their record."""
    return add_person(entry={"consent_to_share": "declined"}, n="Declined")


@pytest.fixture
def shared(add_person):
    """A person at the same practice who consented."""
    return add_person(n="Shared")


def test_the_registering_practice_sees_the_record_and_has_them_in_scope(users, declined):
    assert open_record(users["gp"], declined) == access.RELATIONSHIP
    assert open_emergency_summary(users["gp"], declined) == access.RELATIONSHIP
    assert declined in access.people_in_scope(users["gp"])


def test_a_gp_at_another_practice_in_the_network_is_told_they_declined(users, declined, client, events):
    with pytest.raises(PermissionDenied):
        open_record(users["sibling_gp"], declined)
    client.force_login(users["sibling_gp"])
    response = client.get(reverse("register:record", args=[declined.pk]))
    assert response.status_code == 403
    assert "declined to share their record" in response.content.decode()
    assert "vital interests" in response.content.decode()
    assert events("record.view_refused")[-1].actor_username == "sibling-gp"


def test_the_named_care_team_sees_the_record(users, orgs, declined):
    assert access.record_access_basis(users["hospice"], declined) is None
    update_section(users["gp"], declined, "care_team", expected_version=0,
                   items=[{"role": "specialist_palliative", "name": "Hospice team", "organisation": orgs["hospice"]}])
    assert open_record(users["hospice"], declined) == access.RELATIONSHIP
    assert declined in access.people_in_scope(users["hospice"])


def test_urgent_care_gets_the_declined_page_not_the_summary(users, declined, client, events):
    urgent = users["urgent"]
    assert access.emergency_summary_basis(urgent, declined) is None
    with pytest.raises(PermissionDenied):
        open_emergency_summary(urgent, declined)
    client.force_login(urgent)
    response = client.get(reverse("register:emergency-summary", args=[declined.pk]))
    page = response.content.decode()
    assert response.status_code == 403
    assert "declined to share their record" in page
    assert "Open the emergency summary" not in page
    assert reverse("register:break-glass", args=[declined.pk]) in page
    assert events("record.view_refused")[-1].details == {"what": "emergency_summary"}


def test_urgent_care_may_break_glass_only_stating_vital_interests(users, declined, events):
    urgent = users["urgent"]
    with pytest.raises(ValidationError) as refused:
        break_glass(urgent, declined, "Cardiac arrest at home, crew on scene")
    assert "vital_interests" in refused.value.message_dict
    assert not BreakGlassAccess.objects.exists()
    grant = break_glass(urgent, declined, "Cardiac arrest at home, crew on scene", vital_interests=True)
    assert grant.vital_interests
    assert events("record.break_glass")[-1].details["vital_interests"] is True
    assert open_emergency_summary(urgent, declined) == access.BREAK_GLASS
    assert open_record(urgent, declined) == access.BREAK_GLASS


def test_the_break_glass_page_asks_for_vital_interests_when_sharing_was_declined(users, declined, client):
    client.force_login(users["urgent"])
    url = reverse("register:break-glass", args=[declined.pk])
    assert "vital interests" in client.get(url).content.decode()
    response = client.post(url, {"reason": "Cardiac arrest at home, crew on scene"})
    assert response.status_code == 400
    assert not BreakGlassAccess.objects.exists()
    response = client.post(url, {"reason": "Cardiac arrest at home, crew on scene", "vital_interests": "on"})
    assert response.status_code == 302
    assert BreakGlassAccess.objects.get().vital_interests
    assert client.get(reverse("register:emergency-summary", args=[declined.pk])).status_code == 200


def test_urgent_care_still_opens_a_consenting_persons_summary_by_role(users, shared):
    assert open_emergency_summary(users["urgent"], shared) == access.URGENT_CARE


def test_a_coordinator_at_the_network_neither_sees_nor_lists_them(users, declined, shared, client):
    coordinator = users["coordinator"]
    assert access.record_access_basis(coordinator, declined) is None
    assert access.record_access_basis(coordinator, shared) == access.RELATIONSHIP
    assert set(access.people_in_scope(coordinator)) == {shared}
    client.force_login(coordinator)
    for name, query in (("register:list", {"status": "all"}), ("register:worklists", {"list": "no_acp"}),
                        ("register:export", {"status": "all"})):
        page = client.get(reverse(name), query).content.decode().lower()
        assert "testpersonshared" in page, name
        assert "testpersondeclined" not in page, name


def test_a_coordinator_named_on_the_care_team_sees_them(users, declined):
    update_section(users["gp"], declined, "care_team", expected_version=0,
                   items=[{"role": "coordinator", "name": "Coordinator", "user": users["coordinator"]}])
    assert open_record(users["coordinator"], declined) == access.RELATIONSHIP
    assert declined in access.people_in_scope(users["coordinator"])


def test_an_analyst_never_sees_them(users, declined):
    assert access.record_access_basis(users["analyst"], declined) is None
    assert access.emergency_summary_basis(users["analyst"], declined) is None
    assert not access.people_in_scope(users["analyst"]).exists()
    assert not access.may_break_glass(users["analyst"], declined)
