"""The emergency summary, kept ready to read.

An urgent-care clinician opens it in the first minute of a call, at any hour, for anyone in the ICS, so it is the
record's busiest page. Gathering it live costs a query per section; instead its clinical content is built once, as
display text, by every action that changes the record (inside that action's transaction, so it is never older than
the record it came from) and stored in :class:`EmergencySummary`. What decides access, and the care team's contacts,
are read live with the page: who may see a record never depends on a copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError
from django.utils import timezone

from peolc.core.jinja import longdate
from peolc.register import display
from peolc.register import models as m
from peolc.register.sections import SECTIONS

# What a summary is built from: the person's row and their record sections, loaded or (when loading in bulk) in hand.
ONE_TO_ONE = {"entry": m.RegisterEntry, "preferences": m.Preferences, "respect": m.RespectDecision,
              "acp": m.AdvanceCarePlan, "anticipatory_care": m.AnticipatoryCare, "after_death": m.AfterDeath}


@dataclass
class RecordParts:
    """The parts of one person's record the emergency summary shows."""

    person: m.Person
    entry: m.RegisterEntry | None = None
    preferences: m.Preferences | None = None
    respect: m.RespectDecision | None = None
    acp: m.AdvanceCarePlan | None = None
    anticipatory_care: m.AnticipatoryCare | None = None
    after_death: m.AfterDeath | None = None
    medicines: list[m.AnticipatoryMedicine] = field(default_factory=list)
    carers: list[m.Carer] = field(default_factory=list)
    states: list[m.RecordSection] = field(default_factory=list)


def parts_of(person: m.Person) -> RecordParts:
    """The parts of a person's record as stored now (a query per part not already loaded with ``person``)."""
    return RecordParts(person=person, medicines=list(person.anticipatory_medicines.all()),
                       carers=list(person.carers.all()), states=list(person.sections.all()),
                       **{name: display.one_to_one(person, name) for name in ONE_TO_ONE})


def content(parts: RecordParts) -> dict:
    """The summary's content as JSON-ready display text, in the order a paramedic reads it."""
    person, entry, preferences, respect, acp = parts.person, parts.entry, parts.preferences, parts.respect, parts.acp
    care, after = parts.anticipatory_care, parts.after_death
    cpr_rows = []
    if respect:
        cpr_rows = [
            ["Decided", f"{longdate(respect.decided_on)} by {respect.clinician_name}, {respect.clinician_role}"],
            ["Emphasis of care", respect.get_emphasis_of_care_display()],
            ["ReSPECT recommendations", respect.clinical_recommendations],
            ["Original form kept", respect.form_location],
        ]
    if acp and acp.lpa_health_welfare == "yes":
        lpa = f"{acp.lpa_holder_name} {acp.lpa_holder_contact}"
    else:
        lpa = acp.get_lpa_health_welfare_display() if acp else ""
    interpreter = f" Needs an interpreter ({person.preferred_language})." if person.interpreter_needed else ""
    states = sorted((s for s in parts.states if s.name in SECTIONS and s.version),
                    key=lambda s: list(SECTIONS).index(s.name))
    respect_state = next((s for s in states if s.name == "respect"), None)
    cpr_heading = respect.get_cpr_recommendation_display() if respect else "No decision recorded"
    if not respect and respect_state and respect_state.import_note:
        cpr_heading = "A decision is recorded elsewhere, not here"
    return {
        "died": {"on": longdate(after.died_on), "place": after.get_place_of_death_display()} if after else None,
        "unreviewed": [SECTIONS[s.name].title for s in states if not s.reviewed and not s.imported_from],
        # Urgent care must not take imported content for a clinician's reviewed entry.
        "imported": _imported(states),
        "source_notes": [[SECTIONS[s.name].title, s.import_note] for s in states if s.import_note],
        "cpr": {
            "heading": cpr_heading,
            "not_attempt": bool(respect and respect.cpr_recommendation == "not_attempt"),
            "rows": cpr_rows,
            "imported": _imported_text(respect_state) if respect_state and respect_state.imported_unreviewed else "",
            "note": respect_state.import_note if respect_state else "",
        },
        "wishes": [
            ["Preferred place of care", preferences.get_preferred_place_of_care_display() if preferences else ""],
            ["Preferred place of death", preferences.get_preferred_place_of_death_display() if preferences else ""],
            ["What matters to them", preferences.what_matters if preferences else ""],
            ["Advance decision to refuse treatment",
             (acp.get_adrt_display() + (f": {acp.adrt_details}" if acp.adrt_details else "")) if acp else ""],
            ["Lasting power of attorney (health)", lpa],
        ],
        "condition": [
            ["Main diagnosis", entry.get_main_diagnosis_display() if entry else ""],
            ["Other diagnoses", entry.diagnoses if entry else ""],
            ["Prognosis", entry.get_prognosis_display() if entry else ""],
            ["Communication needs", person.communication_needs + interpreter],
        ],
        "medicines": [
            f"{med.drug} ({med.get_route_display().lower()}){f': {med.dose}' if med.dose else ''}, "
            f"prescribed {longdate(med.prescribed_on)}"
            for med in sorted(parts.medicines, key=lambda med: med.drug)
        ],
        "medicines_care": [
            ["Kept at", care.medicines_location if care else ""],
            ["Syringe driver", ("Yes" if care.syringe_driver else "No") if care else ""],
            ["Equipment", care.equipment if care else ""],
        ],
        "carers": [
            {"relationship": carer.relationship.capitalize(), "name": carer.name, "phone": carer.phone,
             "lives_with": carer.lives_with}
            for carer in sorted(parts.carers, key=lambda carer: carer.name)
        ],
    }


def _imported_text(state: m.RecordSection) -> str:
    on = longdate(timezone.localtime(state.imported_at).date()) if state.imported_at else "an unknown date"
    return f"Imported from {state.imported_from} on {on}, not yet reviewed by a clinician"


def _imported(states: list[m.RecordSection]) -> list[dict]:
    """Imported sections no clinician has reviewed yet, grouped by where and when they came from."""
    groups: dict[str, list[str]] = {}
    for state in states:
        if state.imported_unreviewed:
            groups.setdefault(_imported_text(state), []).append(SECTIONS[state.name].title)
    return [{"text": text, "sections": titles} for text, titles in groups.items()]


def refresh(person: m.Person) -> m.EmergencySummary:
    """Rebuild ``person``'s stored summary from their record as it is now; call inside the changing transaction."""
    person = m.Person.objects.select_related(*ONE_TO_ONE).prefetch_related(
        "anticipatory_medicines", "carers", "sections"
    ).get(pk=person.pk)
    summary, _ = m.EmergencySummary.objects.update_or_create(
        person=person, defaults={"content": content(parts_of(person)), "built_at": timezone.now()}
    )
    return summary


def build_all(parts: Iterable[RecordParts]) -> None:
    """Store the summaries of people loaded in bulk, from the record parts in hand."""
    now = timezone.now()
    m.EmergencySummary.objects.bulk_create(
        (m.EmergencySummary(person=p.person, content=content(p), built_at=now) for p in parts), batch_size=500
    )


def stored(person: m.Person) -> dict:
    """The person's summary content, built and stored first if they have none yet (records older than this model)."""
    kept = display.one_to_one(person, "emergency_summary")
    if kept is not None:
        return kept.content
    try:
        return refresh(person).content
    except IntegrityError:  # another request built it first
        return m.EmergencySummary.objects.get(person=person).content
