"""Every URL pattern × every role (and the signed-out, and a clinician outside the relationship) → expected status.

One table, read as the access policy. A URL added without a row here fails ``test_every_route_has_a_row``, so no
page reaches users without someone deciding who may open it. GET shows what each principal may see; POST with an
empty body shows that a principal refused a page is refused the write too (an allowed principal gets a form error
or a redirect, never a 5xx).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

pytestmark = pytest.mark.django_db

# Who asks, one column each. "outsider" is a GP in another primary care network: every clinical permission, but no
# relationship with the sample person. The person is registered at the GP's practice; the community nurse's and the
# hospice clinician's organisations are on their care team; the coordinator works for the practice's network.
PRINCIPALS = ("anonymous", "gp", "outsider", "community_nurse", "hospice_clinician", "hospital_clinician",
              "urgent_care_clinician", "care_coordinator", "icb_analyst", "directory_editor", "system_administrator",
              "privacy_officer")

# Each cell is "GET/POST": the status a principal gets for a GET, and for a POST with an empty body. 302 for the
# signed-out is the redirect to sign in; 405 is a method the route does not take; 400 a form error (allowed, but the
# empty POST is not valid).
MATRIX = """
route                                              anon    gp      outside nurse     hospice hospital urgent  coord   analyst editor  admin   privacy
(home)                                             302/302 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200
accessibility/                                     200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200
account/password/                                  302/302 200/400 200/400 200/400 200/400 200/400 200/400 200/400 200/400 200/400 200/400 200/400
admin/audit/                                       302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 200/200
admin/organisations/                               302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 403/403
admin/organisations/<str:code>/                    302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 403/403
admin/organisations/new/                           302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 403/403
admin/users/                                       302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 403/403
admin/users/<str:username>/                        302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 403/403
admin/users/<str:username>/reset-password/         302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 405/302 403/403
admin/users/new/                                   302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 403/403
directory/                                         200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200
directory/api/                                     200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405
directory/api/manage/export                        302/302 403/405 403/405 403/405 403/405 403/405 403/405 403/405 403/405 200/405 200/405 403/405
directory/api/manage/import                        302/302 405/403 405/403 405/403 405/403 405/403 405/403 405/403 405/403 405/400 405/400 405/403
directory/api/manage/services/<service_id>/review  302/302 405/403 405/403 405/403 405/403 405/403 405/403 405/403 405/403 405/200 405/200 405/403
directory/api/openapi.json                         200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200
directory/api/organizations                        200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405
directory/api/organizations/<organization_id>      200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405
directory/api/service_at_locations                 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405
directory/api/service_at_locations/<sal_id>        404/405 404/405 404/405 404/405 404/405 404/405 404/405 404/405 404/405 404/405 404/405 404/405
directory/api/services                             200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405
directory/api/services/<service_id>                200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405
directory/api/taxonomies                           200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405
directory/api/taxonomy_terms                       200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405
directory/gaps.csv                                 302/302 200/200 200/200 403/403 200/200 403/403 403/403 200/200 200/200 403/403 403/403 403/403
directory/gaps/                                    302/302 200/200 200/200 403/403 200/200 403/403 403/403 200/200 200/200 403/403 403/403 403/403
directory/manage/                                  302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 200/200 403/403
directory/manage/<uuid:pk>/edit/                   302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 200/200 403/403
directory/manage/<uuid:pk>/history/                302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 200/200 403/403
directory/manage/<uuid:pk>/review/                 302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/302 200/302 403/403
directory/manage/import/                           302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 200/200 403/403
directory/manage/new/                              302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200 200/200 403/403
directory/services/<uuid:pk>/                      200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200
finding/                                           302/302 200/200 200/200 403/403 403/403 403/403 403/403 200/200 403/403 403/403 403/403 403/403
finding/candidates/<uuid:candidate_id>/add/        302/302 200/200 403/403 403/403 403/403 403/403 403/403 200/200 403/403 403/403 403/403 403/403
finding/candidates/<uuid:candidate_id>/review/     302/302 405/302 405/403 405/403 405/403 405/403 405/403 405/302 405/403 405/403 405/403 405/403
finding/model/                                     302/302 200/200 200/200 403/403 200/200 403/403 403/403 200/200 200/200 403/403 403/403 403/403
finding/population/                                302/302 200/200 200/200 403/403 200/200 403/403 403/403 200/200 200/200 403/403 403/403 403/403
healthz                                            200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405 200/405
outcomes/                                          302/302 200/200 200/200 403/403 200/200 403/403 403/403 200/200 200/200 403/403 403/403 403/403
outcomes/equity-audit/                             302/302 200/200 200/200 403/403 200/200 403/403 403/403 200/200 200/200 403/403 403/403 403/403
outcomes/indicators/<slug:indicator_id>/           302/302 404/404 404/404 403/403 404/404 403/403 403/403 404/404 404/404 403/403 403/403 403/403
password-reset/                                    200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200
password-reset/<uidb64>/<token>/                   200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200
password-reset/complete/                           200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200
password-reset/sent/                               200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200
privacy/                                           200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200
register/                                          302/302 200/200 200/200 200/200 200/200 200/200 403/403 200/200 403/403 403/403 403/403 403/403
register/add/                                      302/302 200/200 200/200 200/200 200/200 200/200 403/403 200/200 403/403 403/403 403/403 403/403
register/break-glass/                              302/302 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 200/200
register/break-glass/<int:grant_id>/review/        302/302 405/403 405/403 405/403 405/403 405/403 405/403 405/403 405/403 405/403 405/403 405/302
register/export.csv                                302/302 200/200 200/200 403/403 403/403 403/403 403/403 200/200 403/403 403/403 403/403 403/403
register/find/                                     302/302 200/200 200/200 200/200 200/200 200/200 200/200 200/200 403/403 403/403 403/403 403/403
register/import/                                   302/302 200/200 200/200 200/200 200/200 200/200 403/403 200/200 403/403 403/403 403/403 403/403
register/people/<uuid:pk>/                         302/302 200/200 403/403 200/200 200/200 403/403 403/403 200/200 403/403 403/403 403/403 403/403
register/people/<uuid:pk>/<slug:section>/edit/     302/302 200/400 403/403 200/400 200/400 403/403 403/403 200/400 403/403 403/403 403/403 403/403
register/people/<uuid:pk>/<slug:section>/history/  302/302 200/200 403/403 200/200 200/200 403/403 403/403 200/200 403/403 403/403 403/403 403/403
register/people/<uuid:pk>/<slug:section>/review/   302/302 405/400 405/403 405/400 405/400 405/403 405/403 405/403 405/403 405/403 405/403 405/403
register/people/<uuid:pk>/access-report/           302/302 200/200 403/403 200/200 200/200 403/403 403/403 200/200 403/403 403/403 403/403 403/403
register/people/<uuid:pk>/break-glass/             302/302 200/200 200/200 200/200 200/200 200/200 200/200 200/200 403/403 403/403 403/403 403/403
register/people/<uuid:pk>/emergency-summary/       302/302 200/200 403/403 200/200 200/200 403/403 200/200 200/200 403/403 403/403 403/403 403/403
register/worklists/                                302/302 200/200 200/200 200/200 200/200 200/200 403/403 200/200 403/403 403/403 403/403 403/403
sign-in/                                           200/400 302/302 302/302 302/302 302/302 302/302 302/302 302/302 302/302 302/302 302/302 302/302
sign-in/oidc/callback/                             404/404 404/404 404/404 404/404 404/404 404/404 404/404 404/404 404/404 404/404 404/404 404/404
sign-in/oidc/start/                                404/404 404/404 404/404 404/404 404/404 404/404 404/404 404/404 404/404 404/404 404/404 404/404
sign-out/                                          302/302 405/302 405/302 405/302 405/302 405/302 405/302 405/302 405/302 405/302 405/302 405/302
"""


def _parse(table: str) -> dict[str, dict[str, tuple[int, int]]]:
    rows = [line.split() for line in table.strip().splitlines()[1:]]
    parsed = {}
    for route, *cells in rows:
        assert len(cells) == len(PRINCIPALS), route
        parsed["" if route == "(home)" else route] = {
            principal: tuple(int(status) for status in cell.split("/"))
            for principal, cell in zip(PRINCIPALS, cells, strict=True)
        }
    return parsed


EXPECTED = _parse(MATRIX)


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


ROUTES = sorted(set(_walk(get_resolver().url_patterns)))


def test_every_route_has_a_row():
    assert sorted(set(ROUTES) - set(EXPECTED)) == [], "add a row to the authorisation matrix for each new URL"
    assert sorted(set(EXPECTED) - set(ROUTES)) == [], "the matrix names a URL that no longer exists"


@pytest.fixture
def world(ics, make_organisation, make_user, identification_outputs):
    """One user per role, a person on the register with a care team, a candidate, a grant and a service."""
    from peolc.directory.models import DirectoryOrganization, Service
    from peolc.finding.models import Candidate
    from peolc.finding.outputs import load_outputs
    from peolc.register.actions import add_to_register, break_glass
    from peolc.register.models import CareTeamMember

    community = make_organisation("RXX01", "community_provider", ics["locality"])
    acute = make_organisation("RXX02", "acute_trust", ics["icb"])
    far_practice = make_organisation("Y99003", "gp_practice", make_organisation("U99002", "pcn", ics["locality"]))
    home = {"gp": ics["practice"], "outsider": far_practice, "community_nurse": community,
            "hospice_clinician": ics["hospice"], "hospital_clinician": acute, "urgent_care_clinician": ics["urgent_care"],
            "care_coordinator": ics["pcn"], "icb_analyst": ics["icb"], "directory_editor": ics["hospice"],
            "system_administrator": ics["icb"], "privacy_officer": ics["icb"]}
    users = {principal: make_user(principal.replace("_", "-"), "gp" if principal == "outsider" else principal,
                                  organisation)
             for principal, organisation in home.items()}

    person = add_to_register(
        users["gp"],
        person={"nhs_number": "9991000003", "given_name": "Ada", "family_name": "Matrix", "date_of_birth": date(1940, 3, 14),
                "sex": "female", "postcode": "LE1 1AA", "practice": ics["practice"]},
        entry={"prognosis": "months", "main_diagnosis": "cancer", "consent_to_share": "given",
               "identification_route": "clinician", "date_added": date(2024, 1, 10)},
    )
    CareTeamMember.objects.create(person=person, role="district_nurse", name="Team", organisation=community)
    CareTeamMember.objects.create(person=person, role="specialist_palliative", name="Team", organisation=ics["hospice"])
    grant = break_glass(users["hospital_clinician"], person, "Admitted unconscious; need the ReSPECT form")
    grant.expires_at = timezone.now() - timedelta(minutes=1)  # expired: the grant is for the review pages only
    grant.save(update_fields=["expires_at"])

    load_outputs(*identification_outputs)
    candidate = Candidate.objects.get(patient_id=101)
    provider = DirectoryOrganization.objects.create(name="Hospice", description="A hospice",
                                                    organisation=ics["hospice"])
    service = Service.objects.create(organization=provider, name="Hospice at home", description="Care at home",
                                     last_modified=timezone.now())
    arguments = {"pk": str(person.pk), "section": "preferences", "grant_id": str(grant.pk),
                 "candidate_id": str(candidate.pk), "indicator_id": "no-such-indicator",
                 "username": make_user("someone", "gp", ics["other_practice"]).username,
                 "uidb64": "MQ", "token": "not-a-token", "code": ics["practice"].code, "service_id": str(service.pk),
                 "organization_id": str(provider.pk), "sal_id": "00000000-0000-0000-0000-000000000000"}
    return {"users": users, "arguments": arguments, "service": service}


def _url(route: str, world) -> str:
    arguments = dict(world["arguments"])
    if route.startswith("directory/"):
        arguments["pk"] = str(world["service"].pk)
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match: arguments[match.group(1)], route)


def _statuses(world, principal: str, route: str) -> tuple[int, int]:
    client = Client()
    if principal != "anonymous":
        client.force_login(world["users"][principal])
    url = _url(route, world)
    return client.get(url).status_code, client.post(url, {}).status_code


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_each_principal_gets_the_status_the_matrix_names(world, principal):
    mismatches = {}
    for route in ROUTES:
        expected = EXPECTED.get(route, {}).get(principal)
        got = _statuses(world, principal, route)
        if got != expected:
            mismatches[route or "(home)"] = f"expected {expected}, got {got}"
    assert mismatches == {}
