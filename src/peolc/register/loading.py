"""Load the register from linked-dataset contract files: the demo's records, made from a synthetic ICS.

The contract holds no names or addresses (analytics never need them), so believable ones are made up here,
deterministically from each pseudonymous id. Every loaded section is written with its first version and counts as
reviewed: it comes from clinical systems, not from a non-clinician's entry.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from django.db import transaction

from peolc.core.audit import record_event
from peolc.core.models import Organisation
from peolc.register import models as m
from peolc.register import summary
from peolc.register.sections import SECTIONS, section_data

GIVEN_NAMES = {
    "female": ("Margaret", "Patricia", "Susan", "Jean", "Sandra", "Janet", "Linda", "Christine", "Elizabeth",
               "Mary", "Ann", "Barbara", "Pauline", "Doreen", "Joan", "Irene", "Amrit", "Shirin", "Grace", "Aisha",
               "Fatima", "Helen", "Karen", "Julie", "Sharon", "Ewa", "Nkechi", "Mei", "Priya", "Bernadette"),
    "male": ("John", "David", "Michael", "Peter", "Robert", "Alan", "Brian", "Anthony", "Keith", "Kenneth",
             "George", "William", "Raymond", "Derek", "Harold", "Mohammed", "Rajesh", "Tariq", "Winston", "Samuel",
             "Andrzej", "Chukwuma", "Wei", "Sanjay", "Stephen", "Graham", "Colin", "Trevor", "Patrick", "Desmond"),
}
GIVEN_NAMES["unknown"] = GIVEN_NAMES["female"][::2] + GIVEN_NAMES["male"][::2]
FAMILY_NAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
                "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
                "Patel", "Khan", "Begum", "Ahmed", "Singh", "Ali", "Hussain", "Shah", "Kaur", "Mistry", "Okafor",
                "Mensah", "Campbell", "Nowak", "Kowalski", "Chen", "Murphy", "O'Brien", "Kelly", "Hughes",
                "Edwards", "Lewis", "Harris", "Martin", "Cooper", "King", "Baker", "Turner", "Hill", "Moore")
STREETS = ("Church Lane", "Station Road", "Victoria Street", "Mill Lane", "Park Avenue", "The Green",
           "Chapel Street", "Queens Road", "Orchard Close", "Meadow Way", "Kingsway", "Elm Grove")
RELATIONSHIPS = ("wife", "husband", "daughter", "son", "partner", "sister", "friend", "niece")
MEDICINES = (("Midazolam 10mg/2ml injection", "2.5–5mg every 2–4 hours as needed for agitation"),
             ("Morphine sulfate 10mg/1ml injection", "2.5–5mg every 2–4 hours as needed for pain"),
             ("Levomepromazine 25mg/1ml injection", "6.25mg every 4 hours as needed for nausea"),
             ("Glycopyrronium 200micrograms/1ml injection", "200micrograms every 4 hours for secretions"))
PLACE_FOR_PREFERENCE = {"home": "home", "care_home": "care_home", "hospice": "hospice", "hospital": "hospital",
                        "other": "other"}


def _read(data_dir: Path, table: str) -> list[dict[str, Any]]:
    return pq.read_table(data_dir / f"{table}.parquet").to_pylist()


def _moment(day: date) -> datetime:
    return datetime.combine(day, clock(12, 0), tzinfo=UTC)


def load_register(data_dir: Path, *, today: date, system_actor: str = "peolc load") -> dict[str, int]:
    """Create register records for everyone in ``register_snapshot`` not yet loaded, in one transaction.

    Re-running loads only people who are new, so it is safe and fast. Returns counts.
    """
    snapshot = _read(data_dir, "register_snapshot")
    loaded = set(m.Person.objects.filter(patient_id__isnull=False).values_list("patient_id", flat=True))
    wanted = [row for row in snapshot if row["patient_id"] not in loaded]
    if not wanted:
        return {"people": 0, "already_loaded": len(loaded)}
    ids = {row["patient_id"] for row in wanted}
    patients = {r["patient_id"]: r for r in _read(data_dir, "patients") if r["patient_id"] in ids}
    numbers = {r["patient_id"]: r["nhs_number"] for r in _read(data_dir, "identifiers") if r["patient_id"] in ids}
    deaths = {r["patient_id"]: r for r in _read(data_dir, "deaths") if r["patient_id"] in ids}
    organisations = {o.code: o for o in Organisation.objects.all()}
    with transaction.atomic():
        builder = _Builder(organisations, today)
        for row in wanted:
            builder.add(row, patients[row["patient_id"]], numbers[row["patient_id"]], deaths.get(row["patient_id"]))
        counts = builder.save()
        record_event(None, "register.load", object_type="register", details=counts, system_actor=system_actor)
    return counts


class _Builder:
    """Collects every row of every section in memory, then writes each table with one bulk insert."""

    def __init__(self, organisations: Mapping[str, Organisation], today: date):
        self.organisations = organisations
        self.today = today
        self.rows: dict[type, list] = {}
        self.sections: list[tuple[m.Person, str, date, list]] = []

    def _keep(self, instance) -> None:
        self.rows.setdefault(type(instance), []).append(instance)

    def _section(self, person: m.Person, name: str, on: date, instances: list) -> None:
        self.sections.append((person, name, on, instances))

    def add(self, row: Mapping, patient: Mapping, number: str, death: Mapping | None) -> None:
        rng = random.Random(row["patient_id"])
        sex = patient["sex"]
        birth = patient["birth_month"] if isinstance(patient["birth_month"], date) else date.fromisoformat(
            str(patient["birth_month"])[:10])
        practice = self.organisations[row["practice_code"]]
        person = m.Person(
            nhs_number=number, given_name=rng.choice(GIVEN_NAMES.get(sex, GIVEN_NAMES["unknown"])),
            family_name=rng.choice(FAMILY_NAMES), date_of_birth=birth.replace(day=rng.randint(1, 28)), sex=sex,
            address=f"{rng.randint(1, 180)} {rng.choice(STREETS)}", ethnicity=patient["ethnicity"],
            postcode=_postcode(practice.postcode, rng), practice=practice, patient_id=row["patient_id"],
            interpreter_needed=patient["ethnicity"] in {"J", "K", "R"} and rng.random() < 0.2,
        )
        self._keep(person)
        added = row["date_added"]
        status = "active" if row["date_removed"] is None else (
            "died" if row["removal_reason"] == "died" else "removed")
        entry = m.RegisterEntry(
            person=person, status=status, date_added=added, removed_on=row["date_removed"],
            removal_reason=row["removal_reason"] if status == "removed" else "",
            identification_route=rng.choice(["clinician", "clinician", "hospital", "hospice", "community"]),
            prognosis=row["prognosis"], main_diagnosis=row["diagnosis_group"],
            functional_status=rng.choice([30, 40, 50, 60, 70]),
            consent_to_share="best_interests" if row["diagnosis_group"] == "dementia" else "given",
        )
        self._keep(entry)
        self._section(person, "person", added, [person])
        self._section(person, "entry", added, [entry])
        if row["preferred_place_of_death"]:
            preferences = m.Preferences(
                person=person, preferred_place_of_death=row["preferred_place_of_death"],
                preferred_place_of_care=row["preferred_place_of_death"], discussed_on=row["preferred_place_date"],
                discussed_with=f"{person.given_name} and family", has_capacity="yes",
            )
            self._keep(preferences)
            self._section(person, "preferences", row["preferred_place_date"], [preferences])
        if row["acp"]:
            acp = m.AdvanceCarePlan(person=person, discussed=True, documented=True, plan_date=row["acp_date"])
            self._keep(acp)
            self._section(person, "acp", row["acp_date"], [acp])
        if row["cpr_decision"]:
            respect = m.RespectDecision(
                person=person, cpr_recommendation="not_attempt" if rng.random() < 0.9 else "attempt",
                decided_on=row["cpr_decision_date"], clinician_name=f"Dr {rng.choice(FAMILY_NAMES)}",
                clinician_role="GP", emphasis_of_care=rng.choice(["comfort", "comfort", "balanced"]),
                form_location="With the person at home, in the ReSPECT folder",
            )
            self._keep(respect)
            self._section(person, "respect", row["cpr_decision_date"], [respect])
        team = [m.CareTeamMember(person=person, role="gp", name=f"Dr {rng.choice(FAMILY_NAMES)}",
                                 organisation=practice, phone="0115 496 0000")]
        if row["coordinator"]:
            team.append(m.CareTeamMember(person=person, role="coordinator", name=f"{rng.choice(GIVEN_NAMES['female'])}"
                                         f" {rng.choice(FAMILY_NAMES)}", organisation=practice.parent,
                                         phone="0115 496 0100"))
        for member in team:
            self._keep(member)
        self._section(person, "care_team", row["coordinator_date"] or added, team)
        if row["carer"]:
            assessed = row["carer_assessment_date"]
            carer = m.Carer(person=person, name=f"{rng.choice(GIVEN_NAMES['unknown'])} {person.family_name}",
                            relationship=rng.choice(RELATIONSHIPS), phone="07700 900" + f"{rng.randint(0, 999):03d}",
                            lives_with=rng.random() < 0.6, assessment_offered_on=assessed,
                            assessment_completed_on=assessed, bereavement_risk=rng.choice(["low", "medium", "high"]))
            self._keep(carer)
            self._section(person, "carers", assessed or added, [carer])
        if row["anticipatory_medicines_date"]:
            prescribed = row["anticipatory_medicines_date"]
            medicines = [m.AnticipatoryMedicine(person=person, drug=drug, route="subcutaneous", dose=dose,
                                                prescribed_on=prescribed) for drug, dose in MEDICINES]
            care = m.AnticipatoryCare(person=person, medicines_location="Kitchen cupboard, in the labelled box",
                                      syringe_driver=row["prognosis"] == "days")
            for instance in [care, *medicines]:
                self._keep(instance)
            self._section(person, "medicines", prescribed, [care, *medicines])
        if death is not None and status == "died":
            preferred = row["preferred_place_of_death"]
            achieved = "unknown" if preferred in (None, "undecided") else (
                "yes" if PLACE_FOR_PREFERENCE.get(preferred) == death["place_of_death"] else "no")
            place = self.organisations.get(death["place_of_death_code"] or "")
            after = m.AfterDeath(person=person, died_on=death["date_of_death"],
                                 place_of_death=death["place_of_death"], place_detail=place.name if place else "",
                                 preferred_place_achieved=achieved)
            self._keep(after)
            self._section(person, "after_death", death["date_of_death"], [after])

    def save(self) -> dict[str, int]:
        for model in (m.Person, m.RegisterEntry, m.Preferences, m.AdvanceCarePlan, m.RespectDecision,
                      m.CareTeamMember, m.Carer, m.AnticipatoryCare, m.AnticipatoryMedicine, m.AfterDeath):
            model.objects.bulk_create(self.rows.get(model, []), batch_size=500)
        states, versions = [], []
        for person, name, on, instances in self.sections:
            moment = _moment(on)
            review = None
            if name == "entry" and person.entry.status == "active":
                # Reviews fall due around now: some are overdue, as in a real register.
                review = self.today + timedelta(days=(person.patient_id % 120) - 50)
            states.append(m.RecordSection(person=person, name=name, version=1, updated_at=moment,
                                          updated_by="peolc load", reviewed_at=moment, reviewed_by="peolc load",
                                          review_date=review))
            versions.append(m.SectionVersion(person=person, section=name, version=1,
                                             data=_data(SECTIONS[name], instances), changes={},
                                             changed_by="peolc load"))
        m.RecordSection.objects.bulk_create(states, batch_size=500)
        m.SectionVersion.objects.bulk_create(versions, batch_size=500)
        summary.build_all(self._record_parts(states))
        return {"people": len(self.rows.get(m.Person, [])), "sections": len(states)}


    def _record_parts(self, states: list[m.RecordSection]) -> Iterable[summary.RecordParts]:
        parts = {id(person): summary.RecordParts(person=person) for person in self.rows.get(m.Person, [])}
        for name, model in summary.ONE_TO_ONE.items():
            for instance in self.rows.get(model, []):
                setattr(parts[id(instance.person)], name, instance)
        for model, name in ((m.AnticipatoryMedicine, "medicines"), (m.Carer, "carers")):
            for instance in self.rows.get(model, []):
                getattr(parts[id(instance.person)], name).append(instance)
        for state in states:
            parts[id(state.person)].states.append(state)
        return parts.values()


def _data(section, instances: list) -> dict:
    singleton = instances[0] if section.singleton_model is not None else None
    items = instances[1:] if section.singleton_model is not None else instances
    return section_data(section, singleton, items)


def _postcode(practice_postcode: str, rng: random.Random) -> str:
    district = (practice_postcode or "NG1 1AA").split(" ")[0]
    return f"{district} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
