"""The web page for importing a practice register."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peolc.core.models import AuditEvent
from peolc.register.models import Person

HEADER = "nhs_number,given_name,family_name,date_of_birth,sex,date_added,main_diagnosis,consent_to_share\n"


def _upload(client, practice, text: str, name: str = "register.csv"):
    return client.post(reverse("register:import"), {
        "practice": practice.pk, "file": SimpleUploadedFile(name, text.encode(), content_type="text/csv"),
    })


def test_a_gp_imports_their_practice_register(client, users, orgs, next_nhs_number):
    client.force_login(users["gp"])
    rows = "".join(f"{next_nhs_number()},Ann,Import{i},1940-01-0{i + 1},F,2026-01-05,cancer,given\n" for i in range(3))
    response = _upload(client, orgs["practice"], HEADER + rows)
    assert response.status_code == 302
    assert Person.objects.filter(practice=orgs["practice"]).count() == 3
    assert AuditEvent.objects.filter(action="register.import").count() == 1


def test_a_file_with_a_bad_row_is_refused_whole_with_every_problem_listed(client, users, orgs, next_nhs_number):
    client.force_login(users["gp"])
    rows = (f"{next_nhs_number()},Ann,Good,1940-01-01,F,2026-01-05,cancer,given\n"
            "1234567890,Bob,Bad,1940-13-01,X,2026-01-05,cancer,given\n")
    response = _upload(client, orgs["practice"], HEADER + rows, name="practice.csv")
    page = response.content.decode()
    assert response.status_code == 400
    assert "practice.csv:row 3: nhs_number" in page
    assert "practice.csv:row 3: date_of_birth" in page
    assert "nothing was imported" in page
    assert not Person.objects.exists()


def test_practices_outside_the_users_organisation_cannot_be_chosen(client, users, orgs):
    client.force_login(users["gp"])
    response = _upload(client, orgs["far_practice"], HEADER)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_roles_that_cannot_add_to_the_register_cannot_import(client, users, orgs):
    for role in ("analyst", "urgent", "admin", "editor"):
        client.force_login(users[role])
        assert client.get(reverse("register:import")).status_code == 403
