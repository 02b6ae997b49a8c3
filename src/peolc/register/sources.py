"""Load the register from linked-dataset contract files: only what the sources hold, marked imported.

A register snapshot says who is on the register, their practice, prognosis and diagnosis group, and whether (and
when) an advance care plan, a preferred place of death, a coordinator, a carer, anticipatory medicines and a CPR
decision are recorded; the patients and identifiers files add NHS number, sex, month of birth and ethnicity. That is
all a load writes. What the snapshot says exists but not what it is (which CPR recommendation, which medicines, who
the carer is) is kept as a note on the section, for the clinician to find and record. Every loaded section is
"imported, not reviewed" until a clinician reviews it, and the record and the emergency summary say so. The contract
holds no names: a loaded person's name reads "Name not recorded" and their date of birth is the first of their month
of birth until someone records them.

In demo mode (and only there) the records are filled out with made-up content from :mod:`peolc.synthetic.records`
(names, wishes, ReSPECT, carers, medicines), written as if clinicians had entered and reviewed it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone

from peolc.core.audit import record_event
from peolc.core.jinja import longdate
from peolc.core.models import Organisation
from peolc.register import models as m
from peolc.register import summary
from peolc.register.sections import SECTIONS, section_data
from peolc.synthetic.records import NETWORK, DemoRecord, demo_record

PLACE_FOR_PREFERENCE = {"home": "home", "care_home": "care_home", "hospice": "hospice", "hospital": "hospital",
                        "other": "other"}
# How the record pages name where loaded content came from ("Imported from ... on ...").
DEFAULT_SOURCE = "the practice register extract"
DEMO_AUTHOR = "demo data"


def _read(data_dir: Path, table: str) -> list[dict[str, Any]]:
    return pq.read_table(data_dir / f"{table}.parquet").to_pylist()


def _moment(day: date) -> datetime:
    return datetime.combine(day, clock(12, 0), tzinfo=UTC)


def load_register(data_dir: Path, *, today: date, demo: bool = False, source: str = DEFAULT_SOURCE,
                  system_actor: str = "peolc load") -> dict[str, int]:
    """Create register records for everyone in ``register_snapshot`` not yet loaded, in one transaction.

    Only ``demo`` loads (demo mode) fill records out with made-up content. Re-running loads only people who are
    new, so it is safe and fast. Returns counts.
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
        builder = _Builder(organisations, today, source=DEMO_AUTHOR if demo else source, demo=demo)
        for row in wanted:
            builder.add(row, patients[row["patient_id"]], numbers[row["patient_id"]], deaths.get(row["patient_id"]))
        counts = builder.save()
        record_event(None, "register.load", object_type="register", details={**counts, "demo": demo},
                     system_actor=system_actor)
    return counts


def _month_of_birth(patient: Mapping) -> date:
    value = patient["birth_month"]
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class _Builder:
    """Collects every row of every section in memory, then writes each table with one bulk insert."""

    def __init__(self, organisations: Mapping[str, Organisation], today: date, *, source: str, demo: bool):
        self.organisations = organisations
        self.today = today
        self.source = source
        self.demo = demo
        self.rows: dict[type, list] = {}
        # (person, section name, date of its content, instances, what the source said that could not be loaded)
        self.sections: list[tuple[m.Person, str, date, list, str]] = []

    def _keep(self, *instances) -> None:
        for instance in instances:
            self.rows.setdefault(type(instance), []).append(instance)

    def _section(self, person: m.Person, name: str, on: date, instances: list, note: str = "") -> None:
        self.sections.append((person, name, on, instances, note))

    def add(self, row: Mapping, patient: Mapping, number: str, death: Mapping | None) -> None:
        practice = self.organisations[row["practice_code"]]
        made_up = demo_record(row, patient, practice.postcode) if self.demo else None
        person = m.Person(nhs_number=number, date_of_birth=_month_of_birth(patient), sex=patient["sex"],
                          ethnicity=patient["ethnicity"], practice=practice, patient_id=row["patient_id"])
        added = row["date_added"]
        status = "active" if row["date_removed"] is None else (
            "died" if row["removal_reason"] == "died" else "removed")
        entry = m.RegisterEntry(
            person=person, status=status, date_added=added, removed_on=row["date_removed"],
            removal_reason=row["removal_reason"] if status == "removed" else "",
            identification_route="imported", prognosis=row["prognosis"], main_diagnosis=row["diagnosis_group"],
            consent_to_share="not_recorded",
        )
        preferences = acp = None
        if row["preferred_place_of_death"]:
            preferences = m.Preferences(person=person, preferred_place_of_death=row["preferred_place_of_death"],
                                        discussed_on=row["preferred_place_date"])
        if row["acp"]:
            acp = m.AdvanceCarePlan(person=person, discussed=True, documented=True, plan_date=row["acp_date"])
        if made_up is not None:
            self._fill_in(made_up, person, entry, preferences)
        self._keep(person, entry)
        self._section(person, "person", added, [person])
        self._section(person, "entry", added, [entry])
        if preferences is not None:
            self._keep(preferences)
            self._section(person, "preferences", row["preferred_place_date"], [preferences])
        if acp is not None:
            self._keep(acp)
            self._section(person, "acp", row["acp_date"], [acp])
        if made_up is not None:
            self._add_made_up(made_up, row, person, practice)
        else:
            self._add_notes(row, person)
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

    def _add_notes(self, row: Mapping, person: m.Person) -> None:
        """What the snapshot says exists but cannot be loaded as content, for a clinician to find and record."""
        added = row["date_added"]
        if row["cpr_decision"]:
            self._section(person, "respect", row["cpr_decision_date"] or added, [None], (
                f"The source records a ReSPECT or CPR decision{_dated(row['cpr_decision_date'])}. Which "
                "recommendation was not imported: check the original form or the GP record."))
        if row["coordinator"]:
            self._section(person, "care_team", row["coordinator_date"] or added, [], (
                f"The source records a named care coordinator{_dated(row['coordinator_date'])}. Who was not "
                "imported."))
        if row["carer"]:
            assessed = row["carer_assessment_date"]
            self._section(person, "carers", assessed or added, [], (
                "The source records a carer" + (f", assessed on {longdate(assessed)}" if assessed else "")
                + ". Who was not imported."))
        if row["anticipatory_medicines_date"]:
            self._section(person, "medicines", row["anticipatory_medicines_date"], [None], (
                f"The source records anticipatory medicines prescribed{_dated(row['anticipatory_medicines_date'])}."
                " Which medicines, and where they are kept, were not imported."))

    def _fill_in(self, made_up: DemoRecord, person: m.Person, entry: m.RegisterEntry,
                 preferences: m.Preferences | None) -> None:
        details = dict(made_up.person)
        person.date_of_birth = person.date_of_birth.replace(day=details.pop("day_of_birth"))
        for instance, values in ((person, details), (entry, made_up.entry), (preferences, made_up.preferences)):
            for name, value in values.items():
                setattr(instance, name, value)

    def _add_made_up(self, made_up: DemoRecord, row: Mapping, person: m.Person, practice: Organisation) -> None:
        added = row["date_added"]
        if made_up.respect:
            respect = m.RespectDecision(person=person, decided_on=row["cpr_decision_date"], **made_up.respect)
            self._keep(respect)
            self._section(person, "respect", row["cpr_decision_date"], [respect])
        team = [m.CareTeamMember(person=person, **{**member, "organisation": practice.parent
                                                   if member["organisation"] == NETWORK else practice})
                for member in made_up.care_team]
        self._keep(*team)
        self._section(person, "care_team", row["coordinator_date"] or added, team)
        if made_up.carers:
            carers = [m.Carer(person=person, **carer) for carer in made_up.carers]
            self._keep(*carers)
            self._section(person, "carers", row["carer_assessment_date"] or added, carers)
        if made_up.medicines:
            care = m.AnticipatoryCare(person=person, **made_up.anticipatory_care)
            medicines = [m.AnticipatoryMedicine(person=person, **medicine) for medicine in made_up.medicines]
            self._keep(care, *medicines)
            self._section(person, "medicines", row["anticipatory_medicines_date"], [care, *medicines])

    def save(self) -> dict[str, int]:
        for model in (m.Person, m.RegisterEntry, m.Preferences, m.AdvanceCarePlan, m.RespectDecision,
                      m.CareTeamMember, m.Carer, m.AnticipatoryCare, m.AnticipatoryMedicine, m.AfterDeath):
            model.objects.bulk_create(self.rows.get(model, []), batch_size=500)
        now = timezone.now()
        states, versions = [], []
        for person, name, on, instances, note in self.sections:
            moment = _moment(on)
            review = None
            if self.demo and name == "entry" and person.entry.status == "active":
                # Reviews fall due around now: some are overdue, as in a real register.
                review = self.today + timedelta(days=((person.patient_id or 0) % 120) - 50)
            state = m.RecordSection(person=person, name=name, version=1, updated_at=moment, updated_by=self.source,
                                    review_date=review, import_note=note)
            if self.demo:
                state.reviewed_at, state.reviewed_by = moment, self.source
            else:
                state.imported_from, state.imported_at = self.source, now
            states.append(state)
            versions.append(m.SectionVersion(person=person, section=name, version=1,
                                             data=_data(SECTIONS[name], instances), changes={},
                                             changed_by=self.source))
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


def _dated(day: date | None) -> str:
    return f" dated {longdate(day)}" if day else ""


def _data(section, instances: list) -> dict:
    singleton = instances[0] if section.singleton_model is not None else None
    items = instances[1:] if section.singleton_model is not None else instances
    return section_data(section, singleton, items)
