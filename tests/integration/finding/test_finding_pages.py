"""Finding people early: loading the identification outputs, and who may see what."""

import csv
import io

import pyarrow.parquet as pq
import pytest
from django.urls import reverse

from peolc.analytics.contract import OutputContractError
from peolc.core.models import AuditEvent
from peolc.finding import models as m
from peolc.finding.outputs import load_outputs
from peolc.register.models import Person


def test_outputs_load_with_nhs_numbers_joined_from_the_identifiers(loaded):
    assert loaded == {"candidates": 3, "prevalence_rows": 3, "segments": 4}
    first = m.Candidate.objects.get(patient_id=101)
    assert first.nhs_number == "9990000018"
    assert first.practice.code == "Y99001"
    assert first.reasons[0] == "Care home resident since 2026-07-10"
    assert AuditEvent.objects.filter(action="finding.load").exists()


def test_missing_outputs_load_nothing(db, tmp_path):
    assert load_outputs(tmp_path, tmp_path) is None
    assert not m.IdentificationRun.objects.exists()


@pytest.mark.parametrize(("name", "change", "problem"), [
    ("identification_candidates", lambda t: t.drop_columns(["probability"]),
     "identification_candidates.probability: missing column"),
    ("population_segments", lambda t: t.set_column(5, "people", t.column("people").cast("string")),
     "population_segments.people: wrong type string (expected int64)"),
])
def test_an_output_that_departs_from_the_contract_is_refused_and_the_last_load_kept(
    loaded, identification_outputs, name, change, problem
):
    out, data = identification_outputs
    path = out / f"{name}.parquet"
    pq.write_table(change(pq.read_table(path)), path)
    with pytest.raises(OutputContractError) as raised:
        load_outputs(out, data)
    assert str(path) in str(raised.value) and problem in str(raised.value)
    assert m.IdentificationRun.objects.count() == 1
    assert m.Candidate.objects.count() == 3
    assert AuditEvent.objects.filter(action="finding.load").count() == 1


def test_review_decisions_survive_a_new_run(loaded, identification_outputs, make_user, ics):
    from peolc.finding.actions import review_candidate

    gp = make_user("gp", "gp", ics["practice"])
    review_candidate(gp, m.Candidate.objects.get(patient_id=102), "not_appropriate", "Recovering well")
    load_outputs(*identification_outputs)
    again = m.Candidate.objects.get(patient_id=102)
    assert (again.status, again.review_note) == ("not_appropriate", "Recovering well")


def test_a_gp_sees_only_their_practices_candidates_and_the_view_is_audited(client, loaded, make_user, ics):
    client.force_login(make_user("gp", "gp", ics["practice"]))
    page = client.get(reverse("finding:candidates")).content.decode()
    assert "999 000 0018" in page and "999 000 0026" in page
    assert "999 000 0034" not in page
    assert "Care home resident since 2026-07-10" in page
    event = AuditEvent.objects.get(action="finding.view_candidates")
    assert (event.object_id, event.details["candidates"]) == ("Y99001", 2)
    assert client.get(reverse("finding:candidates"), {"practice": "Y99002"}).content.decode().count(
        "999 000 0034") == 0


def test_a_pcn_coordinator_can_choose_any_practice_in_the_network(client, loaded, make_user, ics):
    client.force_login(make_user("coordinator", "care_coordinator", ics["pcn"]))
    page = client.get(reverse("finding:candidates"), {"practice": "Y99002"}).content.decode()
    assert "999 000 0034" in page


@pytest.mark.parametrize("role", ["icb_analyst", "urgent_care_clinician", "hospital_clinician", "directory_editor"])
def test_roles_without_a_practice_relationship_never_see_candidates(client, loaded, make_user, ics, role):
    client.force_login(make_user("someone", role, ics["hospice"]))
    response = client.get(reverse("finding:candidates"))
    assert response.status_code == 403 or "999 000" not in response.content.decode()
    candidate = m.Candidate.objects.get(patient_id=101)
    assert client.get(reverse("finding:add-candidate", args=[candidate.pk])).status_code == 403


def test_a_gp_cannot_open_another_practices_candidate(client, loaded, make_user, ics):
    client.force_login(make_user("gp", "gp", ics["practice"]))
    other = m.Candidate.objects.get(patient_id=103)
    assert client.get(reverse("finding:add-candidate", args=[other.pk])).status_code == 403
    assert client.post(reverse("finding:review-candidate", args=[other.pk]), {"note": "x"}).status_code == 403


def test_review_and_add_to_register_in_one_step(client, loaded, make_user, ics):
    client.force_login(make_user("gp", "gp", ics["practice"]))
    candidate = m.Candidate.objects.get(patient_id=101)
    page = client.get(reverse("finding:add-candidate", args=[candidate.pk])).content.decode()
    assert 'value="9990000018"' in page and "Population search candidate" in page
    response = client.post(reverse("finding:add-candidate", args=[candidate.pk]), {
        "person-nhs_number": "9990000018", "person-given_name": "Edith", "person-family_name": "Found",
        "person-date_of_birth[day]": "3", "person-date_of_birth[month]": "4", "person-date_of_birth[year]": "1938",
        "person-sex": "female", "person-practice": ics["practice"].pk, "person-ethnicity": "A",
        "person-preferred_language": "English", "entry-identification_route": "search_candidate",
        "entry-prognosis": "months", "entry-main_diagnosis": "dementia", "entry-consent_to_share": "best_interests",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(nhs_number="9990000018")
    assert person.patient_id == 101
    assert person.entry.identification_route == "search_candidate"
    candidate.refresh_from_db()
    assert candidate.status == "added"


def test_not_appropriate_needs_a_reason(client, loaded, make_user, ics):
    client.force_login(make_user("gp", "gp", ics["practice"]))
    candidate = m.Candidate.objects.get(patient_id=101)
    client.post(reverse("finding:review-candidate", args=[candidate.pk]), {"note": " "})
    candidate.refresh_from_db()
    assert candidate.status == "to_review"
    client.post(reverse("finding:review-candidate", args=[candidate.pk]), {"note": "Already known to hospice"})
    candidate.refresh_from_db()
    assert (candidate.status, candidate.reviewed_by) == ("not_appropriate", "gp")


def _prevalence_csv(client, level="practice") -> dict[str, dict]:
    response = client.get(reverse("finding:population"), {"format": "csv", "level": level})
    assert response["Content-Type"].startswith("text/csv")
    return {row["code"]: row for row in csv.DictReader(io.StringIO(response.content.decode()))}


def test_analysts_see_aggregates_with_small_numbers_suppressed(client, loaded, make_user, ics):
    client.force_login(make_user("analyst", "icb_analyst", ics["icb"]))
    page = client.get(reverse("finding:population")).content.decode()
    assert "Org Y99002" in page
    assert "[c]" in page  # Y99002 has 5 on the register; last year of life 5 at Y99001
    assert "999 000" not in page
    rows = _prevalence_csv(client)
    assert rows["Y99002"]["on_register"] == "[c]"


def test_a_hidden_count_cannot_be_worked_out_from_percentages_or_totals(client, loaded, make_user, ics):
    client.force_login(make_user("analyst", "icb_analyst", ics["icb"]))
    practices, pcn = _prevalence_csv(client), _prevalence_csv(client, "pcn")["U99001"]
    small = practices["Y99002"]
    # 5 on a list of 4,000: the prevalence and the register-to-expected ratio would give the 5 back.
    assert small["register_prevalence_pct"] == small["register_to_expected"] == ""
    # The PCN's 35 less the other practice's 30 would give it too: one of them is suppressed as well.
    assert "[c]" in (practices["Y99001"]["on_register"], pcn["on_register"])
    # Segments add up to everyone: a lone hidden segment beside the total would fall out by subtraction.
    page = client.get(reverse("finding:population")).content.decode()
    segments = page.split("Population segments")[1]
    assert segments.count("[c]") >= 2


def test_clinicians_see_exact_counts_only_for_their_own_practice(client, loaded, make_user, ics):
    client.force_login(make_user("gp", "gp", ics["practice"]))
    rows = _prevalence_csv(client)
    # Y99001 is theirs; Y99002 is another practice, seen as an analyst sees it.
    assert rows["Y99001"]["on_register"] == "30"
    assert rows["Y99002"]["on_register"] == "[c]"
    page = client.get(reverse("finding:population")).content.decode()
    assert "[c]" not in page.split("Population segments")[1]
    client.force_login(make_user("other-gp", "gp", ics["other_practice"]))
    assert _prevalence_csv(client)["Y99002"]["on_register"] == "5"
    assert "[c]" in client.get(reverse("finding:population")).content.decode().split("Population segments")[1]


def test_the_model_page_shows_baselines_and_calibration(client, loaded, make_user, ics):
    client.force_login(make_user("analyst", "icb_analyst", ics["icb"]))
    response = client.get(reverse("finding:model"))
    page = response.content.decode()
    assert "0.810" in page and "Age alone" in page and "SPICT" in page
    assert "'unsafe-inline'" in response["Content-Security-Policy"].split("style-src")[1].split(";")[0]


def test_pages_have_empty_states_before_the_pipeline_runs(client, db, make_user, ics):
    client.force_login(make_user("gp", "gp", ics["practice"]))
    for name in ("finding:candidates", "finding:population", "finding:model"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "has not been run yet" in response.content.decode()


def test_the_calibration_table_suppresses_small_numbers_of_deaths(client, loaded, make_user, ics):
    client.force_login(make_user("analyst", "icb_analyst", ics["icb"]))
    page = client.get(reverse("finding:model")).content.decode()
    # Tenth 3 has 3 deaths among 900: neither the deaths nor the observed risk (3.00%) they give is shown.
    assert "[c]" in page
    assert page.count("3.00%") == 1  # its predicted risk
    assert page.count("10.00%") == 2  # tenth 10, 10 deaths: predicted and observed both shown
