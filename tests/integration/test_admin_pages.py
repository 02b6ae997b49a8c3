import pytest
from django.urls import reverse

from peolc.core.models import AuditEvent, Organisation, User


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_home_page_shows_navigation_for_the_role(client, admin_user, gp_user):
    client.force_login(admin_user)
    page = client.get(reverse("home")).content.decode()
    assert "Users" in page and "Audit log" in page
    client.force_login(gp_user)
    page = client.get(reverse("home")).content.decode()
    assert "Audit log" not in page and "Organisations" not in page


def test_adding_a_user_through_the_form(admin_client, ics):
    response = admin_client.post(reverse("core:user-create"), {
        "username": "nurse.two", "first_name": "Nia", "last_name": "Jones", "email": "nia@example.nhs.uk",
        "job_title": "District nurse", "organisation": ics["practice"].pk, "role": "community_nurse",
        "password": "correct horse battery staple",
    })
    assert response.status_code == 302
    assert User.objects.get(username="nurse.two").role == "community_nurse"
    assert AuditEvent.objects.filter(action="user.create", object_id="nurse.two").exists()
    assert "nurse.two" in admin_client.get(reverse("core:user-list")).content.decode()


def test_form_errors_are_summarised_and_linked_to_their_fields(admin_client, ics):
    response = admin_client.post(reverse("core:user-create"), {
        "username": "nurse.two", "first_name": "", "last_name": "Jones", "email": "not-an-email",
        "organisation": ics["practice"].pk, "role": "community_nurse", "password": "short",
    })
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert 'href="#id_first_name"' in page and 'href="#id_email"' in page
    assert not User.objects.filter(username="nurse.two").exists()


def test_action_validation_errors_come_back_to_the_form(admin_client, ics):
    response = admin_client.post(reverse("core:user-create"), {
        "username": "Admin", "first_name": "Nia", "last_name": "Jones", "email": "nia@example.nhs.uk",
        "organisation": ics["practice"].pk, "role": "community_nurse",
    })
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert 'href="#id_username"' in response.content.decode()


def test_editing_a_user(admin_client, gp_user, ics):
    response = admin_client.post(reverse("core:user-edit", args=["gp"]), {
        "first_name": "Gail", "last_name": "Practitioner", "email": "gp@example.nhs.uk",
        "organisation": ics["other_practice"].pk, "role": "gp", "is_active": "on",
    })
    assert response.status_code == 302
    gp_user.refresh_from_db()
    assert gp_user.organisation == ics["other_practice"]


def test_adding_an_organisation_in_the_wrong_place_is_explained(admin_client, ics):
    response = admin_client.post(reverse("core:organisation-create"), {
        "code": "Y99009", "name": "Misplaced Surgery", "type": "gp_practice", "parent": ics["locality"].pk,
    })
    assert response.status_code == 400
    assert "cannot sit under a locality" in response.content.decode()
    assert not Organisation.objects.filter(code="Y99009").exists()


def test_adding_and_editing_an_organisation(admin_client, ics):
    response = admin_client.post(reverse("core:organisation-create"), {
        "code": "y99009", "name": "New Surgery", "type": "gp_practice", "parent": ics["pcn"].pk,
        "postcode": "le1 1aa",
    })
    assert response.status_code == 302
    response = admin_client.post(reverse("core:organisation-edit", args=["Y99009"]), {
        "name": "New Surgery", "type": "gp_practice", "parent": ics["pcn"].pk, "postcode": "LE1 1AA",
    })
    assert response.status_code == 302
    assert Organisation.objects.get(code="Y99009").active is False


def test_the_organisation_list_filters_by_type(admin_client, ics):
    page = admin_client.get(reverse("core:organisation-list"), {"type": "hospice"}).content.decode()
    assert "NXX01" in page and "Y99001" not in page


def test_the_audit_log_lists_and_filters_events(admin_client, admin_user, gp_user):
    from peolc.core.audit import record_event

    record_event(gp_user, "record.view", object_type="person", object_id="p1")
    record_event(admin_user, "user.update", object_type="user", object_id="gp")
    view_cell, update_cell = (f'<td class="nhsuk-table__cell">{a}</td>' for a in ("record.view", "user.update"))
    page = admin_client.get(reverse("core:audit-log"), {"action": "record.view"}).content.decode()
    assert view_cell in page and update_cell not in page
    page = admin_client.get(reverse("core:audit-log"), {"actor": "ADMIN"}).content.decode()
    assert update_cell in page and view_cell not in page
