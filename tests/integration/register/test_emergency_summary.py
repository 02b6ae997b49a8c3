"""The stored emergency summary: every change to a record rebuilds it in the same transaction, so the page (which
reads only the stored copy) always shows what the record holds."""

from datetime import date

import pytest
from django.urls import reverse

from peolc.register import summary
from peolc.register.actions import EditConflict, mark_reviewed, update_section
from peolc.register.models import EmergencySummary, Person, RecordSection

TODAY = date(2026, 11, 23)


def _stored(person) -> dict:
    return EmergencySummary.objects.get(person=person).content


def _fresh(person) -> dict:
    return summary.content(summary.parts_of(Person.objects.get(pk=person.pk)))


def _version(person, name) -> int:
    state = RecordSection.objects.filter(person=person, name=name).first()
    return state.version if state else 0


def test_adding_a_person_stores_their_summary(person):
    assert _stored(person) == _fresh(person)
    assert _stored(person)["cpr"] == {"heading": "No decision recorded", "not_attempt": False, "rows": [],
                                      "imported": "", "note": ""}


CHANGES = [
    ("respect", {"details": {"cpr_recommendation": "not_attempt", "decided_on": date(2026, 11, 1),
                             "clinician_name": "Dr Patel", "clinician_role": "GP", "emphasis_of_care": "comfort"}}),
    ("preferences", {"details": {"preferred_place_of_death": "home", "what_matters": "Being with the dog"}}),
    ("acp", {"details": {"discussed": True, "adrt": "yes", "adrt_details": "No ventilation",
                         "lpa_health_welfare": "yes", "lpa_holder_name": "Sam Doe", "lpa_holder_contact": "07700"}}),
    ("medicines", {"details": {"medicines_location": "Kitchen drawer", "syringe_driver": True},
                   "items": [{"drug": "Midazolam", "route": "subcutaneous", "dose": "2.5mg",
                              "prescribed_on": date(2026, 11, 2)}]}),
    ("carers", {"items": [{"name": "Sam Doe", "relationship": "daughter", "phone": "07700 900123",
                           "lives_with": True}]}),
    ("entry", {"details": {"prognosis": "weeks", "diagnoses": "COPD"}}),
    ("person", {"details": {"communication_needs": "Hard of hearing", "interpreter_needed": True,
                            "preferred_language": "Polish"}}),
]


@pytest.mark.parametrize(("section", "change"), CHANGES, ids=[name for name, _ in CHANGES])
def test_every_section_change_rebuilds_the_summary(users, person, section, change):
    before = _stored(person)
    update_section(users["gp"], person, section, expected_version=_version(person, section), today=TODAY, **change)
    assert _stored(person) == _fresh(person) != before


def test_a_refused_change_leaves_the_summary_as_it_was(users, person):
    before = _stored(person)
    with pytest.raises(EditConflict):
        update_section(users["gp"], person, "respect", expected_version=3, today=TODAY, **dict(CHANGES)["respect"])
    assert _stored(person) == before


def test_an_unreviewed_section_is_flagged_until_a_clinician_reviews_it(users, person):
    coordinator = users["coordinator"]
    update_section(coordinator, person, "preferences", expected_version=0, today=TODAY,
                   details={"preferred_place_of_death": "hospice"})
    assert _stored(person)["unreviewed"] == ["Preferences and what matters"]
    mark_reviewed(users["gp"], person, "preferences", expected_version=1)
    assert _stored(person)["unreviewed"] == [] and _stored(person) == _fresh(person)


def test_recording_a_death_rebuilds_the_summary(users, person):
    update_section(users["gp"], person, "after_death", expected_version=0, today=TODAY,
                   details={"died_on": date(2026, 11, 20), "place_of_death": "home", "preferred_place_achieved": "yes"})
    assert _stored(person)["died"] == {"on": "20 November 2026", "place": "Home"}
    assert _stored(person) == _fresh(person)


def test_the_page_shows_the_stored_summary_and_builds_one_for_older_records(client, users, person):
    update_section(users["gp"], person, "respect", expected_version=0, today=TODAY, **dict(CHANGES)["respect"])
    client.force_login(users["urgent"])
    page = client.get(reverse("register:emergency-summary", args=[person.pk])).content.decode()
    assert "CPR: Not for attempted CPR" in page and "Dr Patel" in page

    EmergencySummary.objects.filter(person=person).delete()
    page = client.get(reverse("register:emergency-summary", args=[person.pk])).content.decode()
    assert "Dr Patel" in page
    assert _stored(person) == _fresh(person)
