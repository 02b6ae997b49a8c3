"""Made-up record content for the demo's register: names, wishes, ReSPECT, carers, medicines.

The linked data says only that things exist (a CPR decision on a date, a carer, medicines prescribed on a date).
A demo needs believable records to click through, so this module makes the rest up, deterministically from each
pseudonymous id, as plain data. Only the demo-mode loader may use it: a real register holds only what its sources
hold (see ``peolc.register.sources``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# Where a care team member works, for the loader to resolve: the person's practice, or the network above it.
PRACTICE = "practice"
NETWORK = "network"


@dataclass
class DemoRecord:
    """One person's made-up record content, section by section, as the register's field names and values."""

    person: dict[str, Any]
    entry: dict[str, Any]
    preferences: dict[str, Any] = field(default_factory=dict)
    respect: dict[str, Any] = field(default_factory=dict)
    care_team: list[dict[str, Any]] = field(default_factory=list)
    carers: list[dict[str, Any]] = field(default_factory=list)
    anticipatory_care: dict[str, Any] = field(default_factory=dict)
    medicines: list[dict[str, Any]] = field(default_factory=list)


def demo_record(row: Mapping[str, Any], patient: Mapping[str, Any], practice_postcode: str) -> DemoRecord:
    """Made-up content for the register entry ``row`` (a ``register_snapshot`` row) of ``patient``.

    Only what the snapshot says exists is filled in: a ReSPECT form only with a CPR decision, carers only with a
    carer, medicines only with a prescription date. Deterministic in the patient id.
    """
    rng = random.Random(row["patient_id"])
    sex = patient["sex"]
    family_name = rng.choice(FAMILY_NAMES)
    given_name = rng.choice(GIVEN_NAMES.get(sex, GIVEN_NAMES["unknown"]))
    record = DemoRecord(
        person={
            "given_name": given_name, "family_name": family_name, "day_of_birth": rng.randint(1, 28),
            "address": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
            "postcode": _postcode(practice_postcode, rng),
            "interpreter_needed": patient["ethnicity"] in {"J", "K", "R"} and rng.random() < 0.2,
        },
        entry={
            "identification_route": rng.choice(["clinician", "clinician", "hospital", "hospice", "community"]),
            "functional_status": rng.choice([30, 40, 50, 60, 70]),
            "consent_to_share": "best_interests" if row["diagnosis_group"] == "dementia" else "given",
        },
    )
    if row["preferred_place_of_death"]:
        record.preferences = {"preferred_place_of_care": row["preferred_place_of_death"],
                              "discussed_with": f"{given_name} and family", "has_capacity": "yes"}
    if row["cpr_decision"]:
        record.respect = {
            "cpr_recommendation": "not_attempt" if rng.random() < 0.9 else "attempt",
            "clinician_name": f"Dr {rng.choice(FAMILY_NAMES)}", "clinician_role": "GP",
            "emphasis_of_care": rng.choice(["comfort", "comfort", "balanced"]),
            "form_location": "With the person at home, in the ReSPECT folder",
        }
    record.care_team = [{"role": "gp", "name": f"Dr {rng.choice(FAMILY_NAMES)}", "organisation": PRACTICE,
                         "phone": "0115 496 0000"}]
    if row["coordinator"]:
        record.care_team.append({"role": "coordinator", "organisation": NETWORK, "phone": "0115 496 0100",
                                 "name": f"{rng.choice(GIVEN_NAMES['female'])} {rng.choice(FAMILY_NAMES)}"})
    if row["carer"]:
        assessed: date | None = row["carer_assessment_date"]
        record.carers = [{
            "name": f"{rng.choice(GIVEN_NAMES['unknown'])} {family_name}", "relationship": rng.choice(RELATIONSHIPS),
            "phone": "07700 900" + f"{rng.randint(0, 999):03d}", "lives_with": rng.random() < 0.6,
            "assessment_offered_on": assessed, "assessment_completed_on": assessed,
            "bereavement_risk": rng.choice(["low", "medium", "high"]),
        }]
    if row["anticipatory_medicines_date"]:
        record.anticipatory_care = {"medicines_location": "Kitchen cupboard, in the labelled box",
                                    "syringe_driver": row["prognosis"] == "days"}
        record.medicines = [{"drug": drug, "route": "subcutaneous", "dose": dose,
                             "prescribed_on": row["anticipatory_medicines_date"]} for drug, dose in MEDICINES]
    return record


def _postcode(practice_postcode: str, rng: random.Random) -> str:
    district = (practice_postcode or "NG1 1AA").split(" ")[0]
    return f"{district} {rng.randint(1, 9)}{rng.choice(_POSTCODE_LETTERS)}{rng.choice(_POSTCODE_LETTERS)}"
