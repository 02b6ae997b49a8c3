import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peolc.core.actions.users import create_user, reset_password, update_user
from peolc.core.models import AuditEvent, User

NEW_USER = {
    "username": "New.Nurse",
    "first_name": "Nia",
    "last_name": "Jones",
    "email": "Nia.Jones@example.nhs.uk",
    "role": "community_nurse",
    "site_url": "https://peolc.example.nhs.uk/",
}


def test_an_administrator_creates_a_user_who_is_emailed_a_link_to_set_their_own_password(admin_user, ics,
                                                                                          mailoutbox):
    user = create_user(admin_user, organisation=ics["practice"], **NEW_USER)
    assert user.username == "new.nurse"
    assert not user.has_usable_password() and user.must_change_password
    event = AuditEvent.objects.get(action="user.create")
    assert (event.object_id, event.details["role"], event.details["organisation"]) == (
        "new.nurse", "community_nurse", "Y99001",
    )
    (email,) = mailoutbox
    assert email.to == ["nia.jones@example.nhs.uk"]
    assert "https://peolc.example.nhs.uk/password-reset/" in email.body
    assert AuditEvent.objects.get(action="user.set_password_link_sent").details == {"purpose": "new_account"}


def test_an_administrator_cannot_give_a_user_a_password(admin_user, gp_user, ics):
    with pytest.raises(TypeError):
        create_user(admin_user, organisation=ics["practice"], **NEW_USER, password="correct horse battery staple")
    with pytest.raises(ValueError, match="password"):
        update_user(admin_user, gp_user, password="correct horse battery staple")
    gp_user.refresh_from_db()
    assert gp_user.check_password("a-long-test-password-42")


def test_an_administrator_resets_a_password_without_seeing_it(admin_user, gp_user, mailoutbox, client):
    client.force_login(gp_user)
    reset_password(admin_user, gp_user, site_url="https://peolc.example.nhs.uk")
    gp_user.refresh_from_db()
    assert not gp_user.has_usable_password() and gp_user.must_change_password
    assert client.get("/").status_code == 302  # signed out everywhere
    assert mailoutbox[0].to == ["gp@example.nhs.uk"]
    assert AuditEvent.objects.filter(action="user.password_reset", actor_username="admin", object_id="gp").exists()


def test_password_resets_are_refused_for_oneself_for_oidc_accounts_and_for_non_administrators(
        admin_user, gp_user, make_user, mailoutbox):
    with pytest.raises(PermissionDenied):
        reset_password(admin_user, admin_user, site_url="https://x")
    with pytest.raises(PermissionDenied):
        reset_password(gp_user, admin_user, site_url="https://x")
    cis2 = make_user("cis2-user", "gp")
    cis2.oidc_subject = "555000111222"
    cis2.set_unusable_password()
    cis2.save()
    with pytest.raises(ValidationError):
        reset_password(admin_user, cis2, site_url="https://x")
    assert mailoutbox == []


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


def test_changing_an_email_address_tells_the_old_address(admin_user, gp_user, mailoutbox):
    update_user(admin_user, gp_user, email="someone.else@example.nhs.uk")
    (notice,) = mailoutbox
    assert notice.to == ["gp@example.nhs.uk"]
    assert "someone.else@example.nhs.uk" in notice.body and "admin" in notice.body
