"""Passwords: nobody but the user sets theirs; one-time links; self-service reset without account enumeration."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from peolc.core.models import AuditEvent, User

PASSWORD = "a-long-test-password-42"
NEW_PASSWORD = "kestrel orchard lantern 7"


def _link(email) -> str:
    return re.search(r"https?://\S+", email.body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _new_user(admin_client, ics):
    return admin_client.post(reverse("core:user-create"), {
        "username": "nurse.new", "first_name": "Nia", "last_name": "Jones", "email": "nia.jones@example.nhs.uk",
        "organisation": ics["practice"].pk, "role": "community_nurse",
    })


def test_the_add_user_page_asks_for_no_password(admin_client):
    response = admin_client.get(reverse("core:user-create"))
    assert b'type="password"' not in response.content


def test_a_new_user_sets_their_own_password_from_a_one_time_link(admin_client, ics, mailoutbox):
    assert _new_user(admin_client, ics).status_code == 302
    user = User.objects.get(username="nurse.new")
    assert not user.has_usable_password()
    link = _path(_link(mailoutbox[0]))

    visitor = Client()
    form_page = visitor.get(link, follow=True)
    assert b"Set your password" in form_page.content
    set_url = form_page.redirect_chain[-1][0]
    weak = visitor.post(set_url, {"new_password1": "password1234", "new_password2": "password1234"})
    assert weak.status_code == 400 and b"There is a problem" in weak.content
    done = visitor.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == reverse("password_reset_complete")

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.must_change_password
    assert AuditEvent.objects.get(action="auth.password_changed").details == {"via": "link"}
    assert b"This link has expired" in Client().get(link, follow=True).content  # works once only
    assert visitor.post(reverse("login"), {"username": "nurse.new", "password": NEW_PASSWORD}).status_code == 302


def test_an_administrator_resets_a_password_from_the_user_page(admin_client, gp_user, mailoutbox):
    response = admin_client.post(reverse("core:user-reset-password", args=["gp"]), follow=True)
    assert b"emailed a link" in response.content
    gp_user.refresh_from_db()
    assert not gp_user.check_password(PASSWORD)
    assert len(mailoutbox) == 1
    assert admin_client.get(reverse("core:user-reset-password", args=["gp"])).status_code == 405


def test_editing_a_user_cannot_change_their_password(admin_client, gp_user, ics):
    admin_client.post(reverse("core:user-edit", args=["gp"]), {
        "first_name": "Gp", "last_name": "Tester", "email": "gp@example.nhs.uk", "organisation": ics["practice"].pk,
        "role": "gp", "is_active": "on", "password": "chosen-by-the-admin-123",
    })
    gp_user.refresh_from_db()
    assert gp_user.check_password(PASSWORD)


@pytest.mark.parametrize("role", ["gp", "privacy_officer", "icb_analyst"])
def test_only_administrators_reset_passwords(client, make_user, gp_user, role, mailoutbox):
    client.force_login(make_user("someone", role))
    assert client.post(reverse("core:user-reset-password", args=["gp"])).status_code == 403
    gp_user.refresh_from_db()
    assert gp_user.check_password(PASSWORD) and mailoutbox == []


def test_a_password_set_by_someone_else_must_be_changed_before_anything_else(client, gp_user):
    gp_user.must_change_password = True
    gp_user.save()
    client.post(reverse("login"), {"username": "gp", "password": PASSWORD})
    for path in (reverse("home"), reverse("register:list"), reverse("core:audit-log")):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == reverse("password_change")
    assert b"Set your own password" in client.get(reverse("password_change")).content
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    gp_user.refresh_from_db()
    assert not gp_user.must_change_password and gp_user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.get(action="auth.password_changed").details == {"via": "change"}


def test_signing_out_is_open_to_a_user_who_must_change_their_password(client, gp_user):
    gp_user.must_change_password = True
    gp_user.save()
    client.force_login(gp_user)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).headers["Location"].startswith(reverse("login"))


def test_the_sign_in_page_offers_a_password_reset(client, db):
    assert b'href="/password-reset/"' in client.get(reverse("login")).content


def test_self_service_reset_emails_a_link_and_says_the_same_for_unknown_addresses(client, gp_user, mailoutbox):
    known = client.post(reverse("password_reset"), {"email": "GP@example.nhs.uk"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.nhs.uk"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["gp@example.nhs.uk"]
    requests = AuditEvent.objects.filter(action="auth.password_reset_requested").order_by("id")
    assert [event.details["accounts"] for event in requests] == [1, 0]

    visitor = Client()
    set_url = visitor.get(_path(_link(mailoutbox[0])), follow=True).redirect_chain[-1][0]
    visitor.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    gp_user.refresh_from_db()
    assert gp_user.check_password(NEW_PASSWORD)


def test_accounts_that_sign_in_by_oidc_cannot_reset_a_password(client, make_user, mailoutbox):
    user = make_user("cis2-user", "gp")
    user.oidc_subject = "555000111222"
    user.set_unusable_password()
    user.save()
    client.post(reverse("password_reset"), {"email": "cis2-user@example.nhs.uk"})
    assert mailoutbox == []


def test_reset_requests_are_rate_limited(client, gp_user, mailoutbox):
    for _ in range(3):
        assert client.post(reverse("password_reset"), {"email": "gp@example.nhs.uk"}).status_code == 302
    assert client.post(reverse("password_reset"), {"email": "gp@example.nhs.uk"}).status_code == 429
    for n in range(7):
        client.post(reverse("password_reset"), {"email": f"someone{n}@example.nhs.uk"})
    assert client.post(reverse("password_reset"), {"email": "other@example.nhs.uk"}).status_code == 429
    assert len(mailoutbox) == 3
    assert AuditEvent.objects.filter(action="auth.password_reset_throttled").count() == 2


@pytest.fixture
def broken_mail(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("peolc.core.actions.users.send_mail", refuse)


def test_when_email_cannot_be_sent_nothing_is_created_or_reset_and_the_page_says_so(admin_client, ics, gp_user,
                                                                                    broken_mail):
    response = _new_user(admin_client, ics)
    assert response.status_code == 400 and b"could not be sent" in response.content
    assert not User.objects.filter(username="nurse.new").exists()
    assert not AuditEvent.objects.filter(action="user.create").exists()
    response = admin_client.post(reverse("core:user-reset-password", args=["gp"]), follow=True)
    assert b"could not be sent" in response.content
    gp_user.refresh_from_db()
    assert gp_user.check_password(PASSWORD)


def test_a_failed_reset_email_looks_the_same_to_the_visitor(client, gp_user, broken_mail):
    response = client.post(reverse("password_reset"), {"email": "gp@example.nhs.uk"})
    assert response.status_code == 302 and response.headers["Location"] == reverse("password_reset_done")
