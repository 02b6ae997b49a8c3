"""Staff sign-in by OpenID Connect against a local mock provider (oidc-provider-mock), over real loopback HTTP.

The whole authorization-code flow runs: the test client starts it, the provider's authorize form is posted with
``requests``, and on the callback mozilla-django-oidc fetches the discovery document, token and JWKS from the provider.
"""

import threading
from urllib.parse import quote, urlsplit

import oidc_provider_mock
import pytest
import requests
import werkzeug.serving
from django.urls import reverse

from peolc.core import oidc
from peolc.core.models import AuditEvent, User


@pytest.fixture(scope="module")
def provider():
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def oidc_on(settings, provider):
    settings.OIDC_RP_CLIENT_ID = "peolc-test"
    settings.OIDC_RP_CLIENT_SECRET = "not-a-secret"  # noqa: S105
    settings.OIDC_OP_ISSUER = provider
    settings.OIDC_VERIFY_KID = False  # the mock signs with its one key and names none
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "peolc.core.oidc.CIS2Backend"]
    oidc._discovery.cache_clear()
    return provider


def cis2_claims(org_code="Y99001", role_code="S8000:G8000:R8000", *, extra_roles=(), selected="555000000001"):
    roles = [{"person_orgid": "555000000100", "person_roleid": "555000000001", "org_code": org_code,
              "role_name": '"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"',
              "role_code": role_code, "activity_codes": ["B0360"]}, *extra_roles]
    return {"given_name": "Asha", "family_name": "Patel", "email": "asha.patel@example.nhs.uk",
            "nhsid_nrbac_roles": roles, **({"selected_roleid": selected} if selected else {})}


def sign_in_through_provider(client, provider, subject, claims):
    """Run the authorization-code flow; return the response to the callback."""
    assert requests.put(f"{provider}/users/{quote(subject)}", json=claims, timeout=10).status_code == 204
    start = client.get(reverse("oidc-start"))
    assert start.status_code == 302 and start.headers["Location"].startswith(provider)
    authorised = requests.post(start.headers["Location"], data={"sub": subject}, allow_redirects=False, timeout=10)
    assert authorised.status_code == 302
    back = urlsplit(authorised.headers["Location"])
    assert back.path == reverse("oidc-callback")
    return client.get(f"{back.path}?{back.query}")


def test_a_clinician_signs_in_with_cis2_and_gets_the_mapped_role(client, ics, oidc_on):
    response = sign_in_through_provider(client, oidc_on, "910000000001", cis2_claims())
    assert response.status_code == 302 and response.headers["Location"] == reverse("home")
    user = User.objects.get(oidc_subject="910000000001")
    assert (user.username, user.role, user.organisation.code) == ("cis2-910000000001", "gp", "Y99001")
    assert not user.has_usable_password()
    assert client.get(reverse("home")).status_code == 200
    created = AuditEvent.objects.get(action="user.create_from_oidc")
    assert created.details == {"organisation": "Y99001", "role": "gp", "job_role_code": "R8000"}
    assert AuditEvent.objects.get(action="auth.signed_in").details["method"] == "oidc"
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(reverse("home")).status_code == 302  # deactivation ends the session


def test_a_known_subject_is_found_by_subject_and_follows_a_change_of_role(client, ics, oidc_on, make_user):
    existing = make_user("asha", "gp", ics["practice"])
    existing.oidc_subject = "910000000002"
    existing.save()
    hospice = cis2_claims(org_code="NXX01", role_code="S8000:G8000:R8001")
    assert sign_in_through_provider(client, oidc_on, "910000000002", hospice).status_code == 302
    existing.refresh_from_db()
    assert (existing.role, existing.organisation.code) == ("hospice_clinician", "NXX01")
    assert User.objects.count() == 1
    assert AuditEvent.objects.get(action="user.update_from_oidc").details["changed"]["role"] == {
        "from": "gp", "to": "hospice_clinician"}


def test_an_account_is_never_matched_by_email_address(client, ics, oidc_on, make_user):
    make_user("asha.patel", "system_administrator")  # same email address as the claims below
    User.objects.filter(username="asha.patel").update(email="asha.patel@example.nhs.uk")
    sign_in_through_provider(client, oidc_on, "910000000003", cis2_claims())
    assert User.objects.get(oidc_subject="910000000003").username == "cis2-910000000003"


@pytest.mark.parametrize(("claims", "reason"), [
    (cis2_claims(role_code="S9999:G9999:R9999"), "does not give access to peolc"),
    (cis2_claims(org_code="ZZZ99"), "does not use peolc"),
    ({"given_name": "No", "family_name": "Roles"}, "no role that peolc recognises"),
    (cis2_claims(selected=None, extra_roles=[{"person_roleid": "555000000002", "org_code": "Y99001",
                                             "role_code": "R8000"}]), "Choose one of your roles"),
])
def test_sign_in_is_refused_when_no_role_maps(client, ics, oidc_on, claims, reason):
    response = sign_in_through_provider(client, oidc_on, "910000000004", claims)
    assert response.headers["Location"] == reverse("login")
    assert reason in client.get(reverse("login")).content.decode()
    assert not User.objects.filter(oidc_subject="910000000004").exists()
    failed = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert failed.details["method"] == "oidc" and reason in failed.details["reason"]
    assert client.get(reverse("home")).status_code == 302


def test_a_deactivated_account_cannot_sign_in_with_cis2(client, ics, oidc_on, make_user):
    user = make_user("asha", "gp", ics["practice"])
    User.objects.filter(pk=user.pk).update(oidc_subject="910000000005", is_active=False)
    sign_in_through_provider(client, oidc_on, "910000000005", cis2_claims())
    assert "deactivated" in client.get(reverse("login")).content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_the_sign_in_page_offers_cis2_only_when_configured(client, db, settings):
    assert b"NHS Care Identity (CIS2)" not in client.get(reverse("login")).content
    assert client.get(reverse("oidc-start")).status_code == 404
    settings.OIDC_RP_CLIENT_ID = "peolc-test"
    assert b"Sign in with NHS Care Identity (CIS2)" in client.get(reverse("login")).content
    assert b'href="/sign-in/oidc/start/?next=/register/"' in client.get(reverse("login") + "?next=/register/").content


def test_password_sign_in_still_works_when_the_provider_is_configured(client, gp_user, oidc_on):
    response = client.post(reverse("login") + "?code=x&state=y",
                           {"username": "gp", "password": "a-long-test-password-42"})
    assert response.status_code == 302


@pytest.mark.parametrize(("role_code", "expected"), [
    ("S8000:G8000:R8000", "R8000"), ("R8001", "R8001"), ("S0080:G0450:R5080", "R5080"), ("", ""),
])
def test_the_job_role_code_is_read_from_a_cis2_role_code(role_code, expected):
    assert oidc.job_role_code(role_code) == expected


def test_the_shipped_role_map_names_only_real_roles_and_organisation_types():
    from peolc.core.models import OrganisationType

    mapping = oidc.role_map()
    assert mapping[("R8000", "gp_practice")] == "gp"
    assert {kind for _, kind in mapping} <= set(OrganisationType.values)
    assert "system_administrator" not in mapping.values() and "privacy_officer" not in mapping.values()


def test_the_demo_identity_providers_staff_map_as_described(db, settings):
    from peolc.core.actions.organisations import load_organisations
    from peolc.core.demo import DEMO_ORGANISATIONS, demo_cis2_identities

    load_organisations(DEMO_ORGANISATIONS, system_actor="test")
    identities = dict(demo_cis2_identities())
    assert oidc.role_from_claims(identities["demo-cis2-gp"])[1] == "gp"
    assert oidc.role_from_claims(identities["demo-cis2-nurse"])[1] == "community_nurse"
    with pytest.raises(oidc.SignInRefused):
        oidc.role_from_claims(identities["demo-cis2-student"])
