import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peolc.core.actions.users import create_user, update_user
from peolc.core.models import AuditEvent, User

NEW_USER = {
    "username": "New.Nurse",
    "first_name": "Nia",
    "last_name": "Jones",
    "email": "Nia.Jones@example.nhs.uk",
    "role": "community_nurse",
    "password": "correct horse battery staple",
}


def test_an_administrator_creates_a_user(admin_user, ics):
    user = create_user(admin_user, organisation=ics["practice"], **NEW_USER)
    assert user.username == "new.nurse"
    assert user.check_password("correct horse battery staple")
    event = AuditEvent.objects.get(action="user.create")
    assert (event.object_id, event.details["role"], event.details["organisation"]) == (
        "new.nurse", "community_nurse", "Y99001",
    )
    assert "correct horse" not in str(event.details)


@pytest.mark.parametrize("role", ["gp", "icb_analyst", "directory_editor"])
def test_only_administrators_create_users(make_user, ics, role):
    actor = make_user("someone", role)
    with pytest.raises(PermissionDenied):
        create_user(actor, organisation=ics["practice"], **NEW_USER)
    assert not User.objects.filter(username="new.nurse").exists()


def test_anonymous_and_missing_actors_are_refused(ics):
    from django.contrib.auth.models import AnonymousUser

    for actor in (None, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            create_user(actor, organisation=ics["practice"], **NEW_USER)


@pytest.mark.parametrize("password", ["short", "password1234", "peolc-demo-only", "123456789012"])
def test_weak_and_published_passwords_are_refused(admin_user, ics, password):
    with pytest.raises(ValidationError) as error:
        create_user(admin_user, organisation=ics["practice"], **{**NEW_USER, "password": password})
    assert "password" in error.value.message_dict
    assert not User.objects.filter(username="new.nurse").exists()
    assert not AuditEvent.objects.exists()


def test_an_unknown_role_is_refused(admin_user, ics):
    with pytest.raises(ValidationError) as error:
        create_user(admin_user, organisation=ics["practice"], **{**NEW_USER, "role": "superhero"})
    assert "role" in error.value.message_dict


def test_changing_a_role_is_audited_with_before_and_after(admin_user, gp_user, ics):
    update_user(admin_user, gp_user, role="care_coordinator", organisation=ics["pcn"])
    gp_user.refresh_from_db()
    assert gp_user.role == "care_coordinator"
    changed = AuditEvent.objects.get(action="user.update").details["changed"]
    assert changed["role"] == {"from": "gp", "to": "care_coordinator"}
    assert changed["organisation"] == {"from": "Y99001", "to": "U99001"}


def test_a_deactivated_user_loses_every_permission(admin_user, gp_user):
    update_user(admin_user, gp_user, is_active=False)
    gp_user.refresh_from_db()
    assert gp_user.permissions == frozenset()


def test_administrators_cannot_lock_themselves_out(admin_user):
    with pytest.raises(PermissionDenied):
        update_user(admin_user, admin_user, is_active=False)
    with pytest.raises(PermissionDenied):
        update_user(admin_user, admin_user, role="gp")
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.role == "system_administrator"


def test_fields_outside_the_use_case_cannot_be_changed(admin_user, gp_user):
    with pytest.raises(ValueError, match="is_superuser"):
        update_user(admin_user, gp_user, is_superuser=True)
