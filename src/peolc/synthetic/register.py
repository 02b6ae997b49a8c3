"""The palliative care register and end-of-life care decisions made per person.

The register is incomplete, as real ones are: most people dying of cancer are on it, far fewer of those dying with
organ failure or frailty, and many are added only in their last weeks. People who are still alive at the extract
end (including some who will die in the year after it) make up most of the register at any one time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from peolc.analytics.contract import DIAGNOSIS_GROUPS, PROGNOSIS_CATEGORIES, table
from peolc.synthetic import codes
from peolc.synthetic.codes import CANCER, SUDDEN
from peolc.synthetic.columns import dates, labels
from peolc.synthetic.population import (
    HOSPICE,
    HOSPITAL,
    NEVER,
    OTHER,
    PLACES,
    YEAR,
    Conditions,
    Population,
    Window,
    categorical,
)

# Share of the list on the register at any time who are not near death (stable or improving), chosen with the
# decedents' entries so that the point prevalence lands at about 0.6% of the list; and their mean stay.
LONG_STAY_SHARE = 0.0045
LONG_STAY_YEARS = 2.0
_DIAGNOSIS_GROUP = {
    "cancer": "cancer",
    "heart_failure": "heart_failure",
    "copd": "copd",
    "renal": "renal",
    "liver": "liver",
    "dementia": "dementia",
    "frailty": "frailty",
    "neurological": "neurological",
}
_PREFERRED = ("home", "care_home", "hospice", "hospital", "undecided")
_PREFERRED_WEIGHTS = np.array([0.55, 0.15, 0.18, 0.05, 0.07])
PREFERENCE_ACHIEVED = 0.78


@dataclass
class Register:
    """Register entries (sorted by person) and per-person care decisions."""

    person: np.ndarray
    added: np.ndarray
    removed: np.ndarray
    removal_reason: np.ndarray
    prognosis: np.ndarray
    diagnosis_group: np.ndarray
    acp_date: np.ndarray
    preferred: np.ndarray
    preferred_date: np.ndarray
    coordinator_date: np.ndarray
    carer: np.ndarray
    carer_date: np.ndarray
    cpr_date: np.ndarray
    medicines_day: np.ndarray
    hospice_involved: np.ndarray
    on_register: np.ndarray

    def rows(self, lo: int, hi: int) -> slice:
        """The entries of persons ``lo``…``hi - 1``."""
        return slice(int(np.searchsorted(self.person, lo)), int(np.searchsorted(self.person, hi)))


def main_condition(pop: Population, cond: Conditions) -> np.ndarray:
    """Each person's main condition index (the one they die of, else their first), or -1."""
    main = np.full(pop.n, -1, dtype=np.int8)
    first = np.ones(cond.person.size, dtype=bool)
    first[1:] = cond.person[1:] != cond.person[:-1]
    main[cond.person[first]] = cond.condition[first]
    dying = cond.cause >= 0
    main[cond.person[dying]] = cond.condition[dying]
    return main


def _dated(
    rng: np.random.Generator, flag: np.ndarray, start: np.ndarray, span: np.ndarray, within: float
) -> np.ndarray:
    day = start + (rng.random(start.size) * np.minimum(span, within)).astype(np.int32)
    return np.where(flag, day, NEVER).astype(np.int32)


def build_register(
    rng: np.random.Generator, pop: Population, cond: Conditions, window: Window, people: int
) -> Register:
    """Choose who is on the register, when, with which records; and who gets anticipatory medicines."""
    main = main_condition(pop, cond)
    died = np.flatnonzero(pop.death_day != NEVER)
    group = pop.group[died]
    place = pop.place[died]
    neuro = main[died] == codes.COND["neurological"]
    p = np.array([0.62, 0.28, 0.30, 0.03])[group]
    p = np.where(neuro, 0.45, p)
    p = p * np.array([0.75, 1.25, 1.0, 1.35, 0.6])[place] * (0.85 + 0.03 * (pop.imd[died] - 1))
    chosen = rng.random(died.size) < np.minimum(p, 0.95)
    median = np.where(group == CANCER, 75.0, 150.0)
    spread = np.where(group == CANCER, 1.0, 1.1)
    lead = np.clip(np.exp(np.log(median) + spread * rng.standard_normal(died.size)), 1, 6 * YEAR)
    added = np.maximum(pop.death_day[died] - lead.astype(np.int32), pop.entry_day[died])
    chosen &= added <= window.end
    dec_person, dec_added = died[chosen], added[chosen]

    # Registered but not near death: people living with advanced illness who join the register steadily and
    # leave it when reviewed as no longer palliative. Entries start years before the extract so that the number on
    # the register is steady across it.
    weight_of = np.array([3.0, 2.0, 1.5, 0.5, 1.5, 1.5, 1.0, 2.0])
    alive = (pop.death_day == NEVER) & (pop.age_at(window.end) >= 40)
    cand = alive[cond.person]
    w = np.zeros(pop.n)
    frail_young = (cond.condition == codes.COND["frailty"]) & (pop.age_at(window.end, cond.person) < 80)
    np.add.at(w, cond.person[cand], np.where(frail_young[cand], 0.2, weight_of[cond.condition[cand]]))
    candidates = np.flatnonzero(w > 0)
    first_entry = window.history_start - 8 * 365
    span_years = (window.end - first_entry) / YEAR
    k = min(candidates.size, round(people * LONG_STAY_SHARE / LONG_STAY_YEARS * span_years))
    keys = np.log(w[candidates]) + rng.gumbel(size=candidates.size)
    stay_person = np.sort(candidates[np.argpartition(-keys, k - 1)[:k]]) if k else candidates[:0]
    stay_added = rng.integers(first_entry, window.end + 1, stay_person.size).astype(np.int32)
    stay_added = np.maximum(stay_added, pop.registered_since[stay_person])
    stay_removed = stay_added + rng.exponential(LONG_STAY_YEARS * YEAR, stay_person.size).astype(np.int32)
    keep = (stay_added <= np.minimum(window.end, pop.exit_day[stay_person])) & (stay_removed >= window.history_start)
    stay_person, stay_added, stay_removed = stay_person[keep], stay_added[keep], stay_removed[keep]

    person = np.concatenate([dec_person, stay_person])
    added = np.concatenate([dec_added, stay_added]).astype(np.int32)
    order = np.argsort(person)
    person, added = person[order], added[order]
    n = person.size
    death = pop.death_day[person]
    died_by_end = death <= window.end
    removed = np.where(died_by_end, death, NEVER).astype(np.int32)
    reason = np.where(died_by_end, 0, -1).astype(np.int8)
    improved_day = np.full(pop.n, NEVER, dtype=np.int32)
    improved_day[stay_person] = stay_removed
    improved_day = improved_day[person]
    improved = (~died_by_end) & (improved_day <= window.end)
    removed = np.where(improved, improved_day, removed).astype(np.int32)
    reason = np.where(improved, 1, reason).astype(np.int8)
    left = (reason < 0) & (pop.exit_day[person] <= window.end)
    removed = np.where(left, pop.exit_day[person], removed).astype(np.int32)
    reason = np.where(left, 2, reason).astype(np.int8)

    limit = np.minimum.reduce([death, np.full(n, window.end, dtype=np.int32), removed])
    span = np.maximum(limit - added, 0)
    affluence = 0.03 * (pop.imd[person] - 5.5)
    acp_date = _dated(rng, rng.random(n) < 0.5 + affluence, added, span, 90)
    cpr_date = _dated(rng, rng.random(n) < 0.6, added, span, 90)
    coordinator_date = _dated(rng, rng.random(n) < 0.45 + affluence, added, span, 60)
    carer = rng.random(n) < 0.6
    carer_date = _dated(rng, carer & (rng.random(n) < 0.45), added, span, 365)

    recorded = rng.random(n) < np.where(died_by_end, 0.62, 0.5)
    preferred = categorical(rng, np.tile(_PREFERRED_WEIGHTS, (n, 1)))
    actual = np.full(n, -1)
    actual[died_by_end] = pop.place[person[died_by_end]]
    place_as_preference = np.array([_PREFERRED.index(p) if p in _PREFERRED else -1 for p in PLACES])
    achievable = (actual >= 0) & (actual != OTHER)
    achieved = achievable & (rng.random(n) < PREFERENCE_ACHIEVED)
    preferred = np.where(achieved, place_as_preference[np.maximum(actual, 0)], preferred)
    # A preference that was not met must differ from where the person died.
    clash = achievable & ~achieved & (preferred == place_as_preference[np.maximum(actual, 0)])
    preferred = np.where(clash & (actual == HOSPITAL), 0, preferred)
    preferred = np.where(clash & (actual != HOSPITAL), 3, preferred)
    preferred = np.where(recorded, preferred, -1).astype(np.int8)
    preferred_date = _dated(rng, recorded, added, span, 120)

    group_of = np.full(pop.n, -1, dtype=np.int8)
    group_of[person] = [_group_index(c) for c in main[person]]
    prognosis = np.where(
        died_by_end,
        categorical(rng, np.tile([0.05, 0.25, 0.40, 0.25, 0.05], (n, 1))),
        categorical(rng, np.tile([0.35, 0.45, 0.08, 0.02, 0.10], (n, 1))),
    ).astype(np.int8)

    on_register = np.zeros(pop.n, dtype=bool)
    on_register[person] = True
    medicines_day = _anticipatory_medicines(rng, pop, on_register, window)
    hospice = _hospice_involvement(rng, pop, on_register)
    return Register(
        person=person,
        added=added,
        removed=removed,
        removal_reason=reason,
        prognosis=prognosis,
        diagnosis_group=group_of[person],
        acp_date=acp_date,
        preferred=preferred,
        preferred_date=preferred_date,
        coordinator_date=coordinator_date,
        carer=carer,
        carer_date=carer_date,
        cpr_date=cpr_date,
        medicines_day=medicines_day,
        hospice_involved=hospice,
        on_register=on_register,
    )


def _group_index(condition: int) -> int:
    if condition < 0:
        return DIAGNOSIS_GROUPS.index("other")
    return DIAGNOSIS_GROUPS.index(_DIAGNOSIS_GROUP[codes.CONDITIONS[condition]])


def _anticipatory_medicines(
    rng: np.random.Generator, pop: Population, on_register: np.ndarray, window: Window
) -> np.ndarray:
    """Day anticipatory medicines were first prescribed (NEVER if not), for people with an expected death."""
    day = np.full(pop.n, NEVER, dtype=np.int32)
    died = np.flatnonzero(pop.death_day != NEVER)
    p = np.array([0.72, 0.38, 0.45, 0.02])[pop.group[died]]
    p = p * np.array([0.55, 1.25, 1.15, 1.1, 0.5])[pop.place[died]] * np.where(on_register[died], 1.25, 1.0)
    gets = rng.random(died.size) < np.minimum(p, 0.95)
    lead = 1 + rng.gamma(1.3, 10.0, died.size)
    when = np.maximum(pop.death_day[died] - lead.astype(np.int32), pop.entry_day[died])
    gets &= when <= window.end
    day[died[gets]] = when[gets]
    return day


def _hospice_involvement(rng: np.random.Generator, pop: Population, on_register: np.ndarray) -> np.ndarray:
    involved = np.zeros(pop.n, dtype=bool)
    died = np.flatnonzero(pop.death_day != NEVER)
    group = pop.group[died]
    p = np.where(group == CANCER, 0.40, np.where(group == SUDDEN, 0.0, 0.12))
    p = p * np.where(on_register[died], 1.3, 0.8) * (0.9 + 0.02 * pop.imd[died])
    involved[died] = (rng.random(died.size) < p) | (pop.place[died] == HOSPICE)
    return involved


def register_table(reg: Register, rows: slice, pop: Population, practice_code: np.ndarray) -> pa.Table:
    """The ``register_snapshot`` rows for a slice of register entries."""
    person = reg.person[rows]
    added = reg.added[rows]
    practice = pop.practice_on(person, added)

    def flag(values: np.ndarray) -> pa.Array:
        return pa.array(values != NEVER)

    preferred = reg.preferred[rows]
    reasons = ("died", "no_longer_palliative", "left_practice")
    data = {
        "patient_id": pa.array(pop.patient_id[person]),
        "practice_code": labels(practice, practice_code),
        "date_added": dates(added),
        "date_removed": dates(reg.removed[rows]),
        "removal_reason": labels(reg.removal_reason[rows], reasons),
        "prognosis": labels(reg.prognosis[rows], PROGNOSIS_CATEGORIES),
        "diagnosis_group": labels(reg.diagnosis_group[rows], DIAGNOSIS_GROUPS),
        "acp": flag(reg.acp_date[rows]),
        "acp_date": dates(reg.acp_date[rows]),
        "preferred_place_of_death": labels(preferred, _PREFERRED),
        "preferred_place_date": dates(reg.preferred_date[rows]),
        "coordinator": flag(reg.coordinator_date[rows]),
        "coordinator_date": dates(reg.coordinator_date[rows]),
        "carer": pa.array(reg.carer[rows]),
        "carer_assessment_date": dates(reg.carer_date[rows]),
        "anticipatory_medicines_date": dates(reg.medicines_day[person]),
        "cpr_decision": flag(reg.cpr_date[rows]),
        "cpr_decision_date": dates(reg.cpr_date[rows]),
    }
    return pa.table(data, schema=table("register_snapshot").schema)
