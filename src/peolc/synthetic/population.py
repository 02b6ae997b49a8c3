"""People of the synthetic ICS: who they are, where they live, which practice they use, and when and how they die.

Everything is vectorised over the whole population; loops run over localities, deprivation deciles or calendar
years only. Days are int32 counts since 1970-01-01 and ``NEVER`` marks an event that does not happen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peolc import reference
from peolc.synthetic import codes
from peolc.synthetic.codes import CANCER, FRAILTY, ORGAN_FAILURE, SUDDEN
from peolc.synthetic.geography import LOCALITIES, Ics

NEVER = np.int32(2**31 - 1)
YEAR = 365.25
# People joining the lists each year (births and moves in), as a share of the starting list.
JOIN_RATE = 0.03

# Approximate England death rates per person-year around 2019 (ONS mortality by single year of age, smoothed),
# at the mid-point of each age band; interpolated on the log scale.
_MORTALITY_AGES = np.array(
    [
        0.5,
        2.5,
        7.5,
        12.5,
        17.5,
        22.5,
        27.5,
        32.5,
        37.5,
        42.5,
        47.5,
        52.5,
        57.5,
        62.5,
        67.5,
        72.5,
        77.5,
        82.5,
        87.5,
        92.5,
        97.5,
        102.5,
    ]
)
_MORTALITY_RATES = np.array(
    [
        0.0039,
        0.00012,
        0.00008,
        0.0001,
        0.00025,
        0.0004,
        0.0005,
        0.0007,
        0.001,
        0.0015,
        0.0022,
        0.0032,
        0.0048,
        0.0075,
        0.0112,
        0.018,
        0.03,
        0.054,
        0.098,
        0.18,
        0.30,
        0.45,
    ]
)
_MALE_MORTALITY, _FEMALE_MORTALITY = 1.18, 0.85
# Monthly weights of deaths: winter excess.
_MONTH_WEIGHTS = np.array([1.16, 1.06, 1.03, 0.97, 0.95, 0.92, 0.92, 0.90, 0.92, 0.98, 1.02, 1.14])

# Place of death targets: England 2022 (OHID, Palliative and end of life care profile, December 2023).
PLACES = ("hospital", "home", "care_home", "hospice", "other")
PLACE_TARGETS = np.array([43.4, 28.7, 20.5, 4.7, 2.6]) / 100
HOSPITAL, HOME, CARE_HOME, HOSPICE, OTHER = range(5)
# Decedents with at least one emergency admission in the last year of life.
EMERGENCY_LAST_YEAR_TARGET = 0.69

# Non-White-British ethnic categories (B…S) by kind of area, relative weights.
_MINORITY_CODES = ("B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S")
_MINORITY_CITY = np.array([1.2, 12, 5, 1.5, 2.5, 2, 6, 11, 1, 5, 5, 10, 2, 4, 4])
_MINORITY_COUNTY = np.array([1.5, 35, 6, 1, 5, 3, 11, 8, 1, 6, 3, 5, 1, 5, 3])
ETHNICITY_CODES = ("A", *_MINORITY_CODES, "Z")

# Age-specific prevalence of living with each condition (ages 0, 40, 55, 65, 75, 85, 95), before deprivation.
_PREVALENCE_AGES = np.array([0, 40, 55, 65, 75, 85, 95])
_PREVALENCE = {
    "cancer": np.array([0.0005, 0.006, 0.02, 0.04, 0.06, 0.07, 0.06]),
    "heart_failure": np.array([0.0, 0.001, 0.004, 0.012, 0.03, 0.07, 0.10]),
    "copd": np.array([0.0, 0.003, 0.015, 0.035, 0.055, 0.06, 0.05]),
    "renal": np.array([0.0, 0.005, 0.02, 0.05, 0.12, 0.22, 0.28]),
    "liver": np.array([0.0, 0.002, 0.004, 0.004, 0.003, 0.002, 0.001]),
    "dementia": np.array([0.0, 0.0, 0.001, 0.005, 0.03, 0.11, 0.22]),
    "frailty": np.array([0.0, 0.0, 0.01, 0.04, 0.12, 0.30, 0.45]),
    "neurological": np.array([0.0, 0.001, 0.002, 0.004, 0.008, 0.01, 0.01]),
}
_PREVALENCE_DEPRIVATION = {"copd": 0.12, "liver": 0.12, "heart_failure": 0.05, "renal": 0.04, "frailty": 0.06}


@dataclass
class Window:
    """The period the dataset covers (days since 1970-01-01)."""

    start: int
    end: int
    history_start: int
    horizon_end: int

    @property
    def years(self) -> float:
        """Length of the death window in years."""
        return (self.end - self.start + 1) / YEAR


@dataclass
class Population:
    """Person-level arrays, all of length ``n``."""

    n: int
    patient_id: np.ndarray
    birth_day: np.ndarray
    male: np.ndarray
    ethnicity: np.ndarray
    lsoa: np.ndarray
    imd: np.ndarray
    locality: np.ndarray
    practice: np.ndarray
    second_practice: np.ndarray
    move_day: np.ndarray
    entry_day: np.ndarray
    exit_day: np.ndarray
    registered_since: np.ndarray
    death_day: np.ndarray
    cause: np.ndarray
    group: np.ndarray
    place: np.ndarray
    emergency_last_year: np.ndarray
    care_home_resident: np.ndarray

    def age_at(self, day: int | np.ndarray, who: np.ndarray | None = None) -> np.ndarray:
        """Age in years (fractional) at a day, for everyone or for the people ``who``."""
        birth = self.birth_day if who is None else self.birth_day[who]
        return (day - birth) / YEAR

    def practice_on(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The practice index of each (person, day)."""
        moved = day >= self.move_day[person]
        return np.where(moved, self.second_practice[person], self.practice[person])


def categorical(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row of a (rows, categories) weight matrix, drawn in proportion to the weights."""
    cumulative = np.cumsum(weights, axis=1)
    draws = rng.random(weights.shape[0]) * cumulative[:, -1]
    return (cumulative < draws[:, None]).sum(axis=1).clip(0, weights.shape[1] - 1)


def _esp_bands() -> tuple[np.ndarray, np.ndarray]:
    rows = reference.rows("esp2013.csv")
    lower = np.array([int(r["age_lower"]) for r in rows])
    weight = np.array([float(r["esp2013_weight"]) for r in rows])
    return lower, weight


def _sample_ages(rng: np.random.Generator, tilt: np.ndarray) -> np.ndarray:
    """Ages (fractional years) from ESP2013 bands tilted older (tilt > 0) or younger per person group."""
    lower, weight = _esp_bands()
    ages = np.empty(tilt.size)
    mids = lower + 2.5
    for value in np.unique(tilt):
        idx = np.flatnonzero(tilt == value)
        w = weight * np.exp(value * (mids - 42.5) / 10)
        band = rng.choice(lower.size, idx.size, p=w / w.sum())
        age = lower[band] + rng.random(idx.size) * 5
        oldest = band == lower.size - 1
        age[oldest] = 90 + np.minimum(rng.exponential(3.5, oldest.sum()), 15)
        ages[idx] = age
    return ages


def mortality_rate(age: np.ndarray) -> np.ndarray:
    """England-like death rate per person-year at each age."""
    return np.exp(np.interp(age, _MORTALITY_AGES, np.log(_MORTALITY_RATES)))


def _ethnicity(rng: np.random.Generator, locality: np.ndarray, imd: np.ndarray, age: np.ndarray) -> np.ndarray:
    base = np.array([loc.minority_share for loc in LOCALITIES])[locality]
    share = base * np.exp(0.12 * (5.5 - imd)) * np.interp(age, [0, 30, 60, 80], [1.3, 1.2, 0.6, 0.35])
    share = np.minimum(share, 0.9)
    minority = rng.random(locality.size) < share
    city = locality == 0
    out = np.zeros(locality.size, dtype=np.int8)
    for weights, mask in ((_MINORITY_CITY, minority & city), (_MINORITY_COUNTY, minority & ~city)):
        idx = np.flatnonzero(mask)
        out[idx] = 1 + rng.choice(weights.size, idx.size, p=weights / weights.sum())
    not_stated = rng.random(locality.size) < 0.04
    out[not_stated] = len(ETHNICITY_CODES) - 1
    return out


def build_population(rng: np.random.Generator, ics: Ics, people: int, window: Window) -> Population:
    """Residents on the lists at the start, plus those who join (births, moves in) during the window."""
    n_join = round(people * window.years * JOIN_RATE)
    n = people + n_join
    joiner = np.arange(n) >= people

    lsoa_weight = rng.lognormal(0.0, 0.2, ics.lsoa_code.size)
    lsoa = rng.choice(ics.lsoa_code.size, n, p=lsoa_weight / lsoa_weight.sum()).astype(np.int32)
    locality = ics.lsoa_locality[lsoa]
    imd = ics.lsoa_decile[lsoa]

    # Deprived areas are younger.
    tilt = np.round(np.array([loc.age_tilt for loc in LOCALITIES])[locality] + 0.02 * (imd - 5.5), 3)
    age_at_start = _sample_ages(rng, tilt)
    entry_day = np.full(n, window.start, dtype=np.int32)
    entry_day[joiner] = rng.integers(window.start, window.end + 1, n_join)
    newborn = joiner & (rng.random(n) < 0.35)
    mover_age = np.clip(rng.gamma(4.0, 8.0, n) + 2, 0, 95)
    birth_day = (window.start - age_at_start * YEAR).astype(np.int32)
    birth_day[joiner] = (entry_day[joiner] - mover_age[joiner] * YEAR).astype(np.int32)
    birth_day[newborn] = entry_day[newborn]
    age_at_start = (window.start - birth_day) / YEAR

    p_male = np.interp(age_at_start, [0, 50, 70, 85, 95], [0.51, 0.5, 0.47, 0.40, 0.30])
    male = rng.random(n) < p_male
    ethnicity = _ethnicity(rng, locality, imd, np.maximum(age_at_start, 0))

    practice = ics.lsoa_practice[lsoa].copy()
    elsewhere = rng.random(n) < 0.15
    for li in range(len(LOCALITIES)):
        options = ics.practices_in(li)
        idx = np.flatnonzero(elsewhere & (locality == li))
        w = ics.practice_weight[options]
        practice[idx] = rng.choice(options, idx.size, p=w / w.sum())
    second_practice = practice.copy()
    for li in range(len(LOCALITIES)):
        options = ics.practices_in(li)
        idx = np.flatnonzero(locality == li)
        second_practice[idx] = rng.choice(options, idx.size)
    registered_since = np.maximum(birth_day, entry_day - rng.exponential(9 * YEAR, n).astype(np.int32))
    registered_since[joiner] = entry_day[joiner]

    leave_rate = np.interp(
        np.maximum(age_at_start, 0),
        [0, 14, 15, 34, 35, 64, 65, 100],
        [0.02, 0.02, 0.06, 0.06, 0.025, 0.025, 0.01, 0.01],
    )
    exit_day = (entry_day + rng.exponential(YEAR / leave_rate)).clip(max=NEVER).astype(np.int32)
    exit_day[exit_day > window.end] = NEVER
    move_day = (entry_day + 1 + rng.exponential(YEAR / 0.015, n)).clip(max=NEVER).astype(np.int32)
    move_day[(move_day > window.end) | (move_day >= exit_day) | (second_practice == practice)] = NEVER

    population = Population(
        n=n,
        patient_id=(10_000_000 + rng.permutation(n)).astype(np.int64),
        birth_day=birth_day,
        male=male,
        ethnicity=ethnicity,
        lsoa=lsoa,
        imd=imd,
        locality=locality,
        practice=practice.astype(np.int32),
        second_practice=second_practice.astype(np.int32),
        move_day=move_day,
        entry_day=entry_day,
        exit_day=exit_day,
        registered_since=registered_since.astype(np.int32),
        death_day=np.full(n, NEVER, dtype=np.int32),
        cause=np.full(n, -1, dtype=np.int16),
        group=np.full(n, -1, dtype=np.int8),
        place=np.full(n, -1, dtype=np.int8),
        emergency_last_year=np.zeros(n, dtype=bool),
        care_home_resident=np.zeros(n, dtype=bool),
    )
    _simulate_deaths(rng, population, window)
    decedents = np.flatnonzero(population.death_day != NEVER)
    _assign_causes(rng, population, decedents)
    _assign_places(rng, population, decedents)
    _assign_emergency_last_year(rng, population, decedents)
    # Moving practice is recorded only while alive.
    population.move_day[population.move_day >= population.death_day] = NEVER
    return population


def _simulate_deaths(rng: np.random.Generator, pop: Population, window: Window) -> None:
    """Deaths year by year to the horizon (one year past the extract end), at England-like rates."""
    month_p = _MONTH_WEIGHTS / _MONTH_WEIGHTS.sum()
    year_start = window.start
    while year_start <= window.horizon_end:
        year_end = min(year_start + 365, window.horizon_end + 1)
        at_risk = np.flatnonzero((pop.death_day == NEVER) & (pop.entry_day < year_end) & (pop.exit_day >= year_start))
        age = pop.age_at(year_start + 182, at_risk)
        slope = np.interp(age, [40, 75, 90], [0.10, 0.07, 0.03])
        hazard = (
            mortality_rate(np.maximum(age, 0))
            * np.where(pop.male[at_risk], _MALE_MORTALITY, _FEMALE_MORTALITY)
            * np.exp(slope * (5.5 - pop.imd[at_risk]))
            * (year_end - year_start)
            / 365
        )
        dies = rng.random(at_risk.size) < -np.expm1(-hazard)
        who = at_risk[dies]
        month = rng.choice(12, who.size, p=month_p)
        day = year_start + (month * 30.4 + rng.random(who.size) * 30.4).astype(np.int32)
        ok = (day >= pop.entry_day[who]) & (day < pop.exit_day[who]) & (day < year_end) & (day >= pop.birth_day[who])
        pop.death_day[who[ok]] = day[ok]
        year_start = year_end


def _assign_causes(rng: np.random.Generator, pop: Population, who: np.ndarray) -> None:
    """Trajectory group by age, then an underlying cause within the group by age, sex and deprivation."""
    age = pop.age_at(pop.death_day[who], who)
    deprived = 5.5 - pop.imd[who]
    # Group shares (cancer, organ failure, frailty/dementia, sudden) at ages 0, 50, 65, 80, 90, 100.
    ages = [0, 50, 65, 80, 90, 100]
    shares = np.column_stack(
        [
            np.interp(age, ages, [0.12, 0.40, 0.40, 0.30, 0.15, 0.08]),
            np.interp(age, ages, [0.06, 0.16, 0.24, 0.28, 0.26, 0.22]),
            np.interp(age, ages, [0.04, 0.04, 0.07, 0.20, 0.42, 0.55]),
            np.interp(age, ages, [0.78, 0.40, 0.29, 0.22, 0.17, 0.15]),
        ]
    )
    shares[:, ORGAN_FAILURE] *= np.exp(0.05 * deprived)
    shares[:, SUDDEN] *= np.exp(0.04 * deprived)
    group = categorical(rng, shares)
    cause = np.empty(who.size, dtype=np.int16)
    for g in (CANCER, ORGAN_FAILURE, FRAILTY, SUDDEN):
        in_group = np.flatnonzero(group == g)
        members = [i for i, c in enumerate(codes.CAUSES) if c.group == g]
        weights = np.empty((in_group.size, len(members)))
        for k, ci in enumerate(members):
            c = codes.CAUSES[ci]
            w = np.interp(age[in_group], [55, 75], [c.weight_under_65, c.weight_65_plus])
            w = w * np.exp(c.deprivation_slope * deprived[in_group])
            if c.sex is not None:
                w = w * (pop.male[who[in_group]] == (c.sex == "male"))
            weights[:, k] = w
        cause[in_group] = np.array(members)[categorical(rng, weights)]
    pop.group[who] = group
    pop.cause[who] = cause


def place_logits(pop: Population, who: np.ndarray) -> np.ndarray:
    """Relative log-odds of each place of death before calibration (hospital, home, care home, hospice, other)."""
    group = pop.group[who]
    age = pop.age_at(pop.death_day[who], who)
    z = (5.5 - pop.imd[who]) / 4.5
    logits = np.zeros((who.size, 5))
    effects = {
        CANCER: (0.0, 0.5, -0.6, 2.7, -1.0),
        ORGAN_FAILURE: (0.55, 0.0, -0.3, -0.9, -0.8),
        FRAILTY: (0.0, -0.2, 1.9, -1.6, -1.2),
        SUDDEN: (0.35, 0.25, -0.3, -3.0, 1.6),
    }
    for g, effect in effects.items():
        logits[group == g] += np.array(effect)
    logits[:, CARE_HOME] += np.interp(age, [55, 65, 80, 90], [-3.0, -2.0, -0.5, 0.7])
    logits[:, HOSPICE] += np.interp(age, [60, 90], [0.3, -0.5])
    logits[:, OTHER] += np.interp(age, [40, 80], [0.8, 0.0])
    logits[:, HOSPITAL] += 0.12 * z
    logits[:, HOME] -= 0.08 * z
    logits[:, HOSPICE] -= 0.25 * z
    return logits


def calibrated_choice(
    rng: np.random.Generator, logits: np.ndarray, targets: np.ndarray, iterations: int = 200
) -> np.ndarray:
    """Draw one category per row so that the realised shares match ``targets`` almost exactly.

    Each row keeps its own Gumbel noise (so individual gradients survive); only a per-category offset is tuned,
    like prices clearing a market, until the counts meet the targets.
    """
    noise = rng.gumbel(size=logits.shape)
    wanted = targets * logits.shape[0]
    offset = np.zeros(logits.shape[1])
    choice = np.argmax(logits + noise, axis=1)
    for _ in range(iterations):
        choice = np.argmax(logits + noise + offset, axis=1)
        counts = np.bincount(choice, minlength=logits.shape[1])
        if np.all(np.abs(counts - wanted) <= max(1.0, 0.0005 * logits.shape[0])):
            break
        offset += 0.5 * np.log((wanted + 1) / (counts + 1))
    return choice


def _assign_places(rng: np.random.Generator, pop: Population, who: np.ndarray) -> None:
    place = calibrated_choice(rng, place_logits(pop, who), PLACE_TARGETS)
    pop.place[who] = place
    # Everyone dying in a care home lived there; so did many frail people who died elsewhere.
    frail_old = (pop.group[who] == FRAILTY) & (pop.age_at(pop.death_day[who], who) >= 80)
    moved_out = frail_old & (place != CARE_HOME) & (place != HOME) & (rng.random(who.size) < 0.35)
    pop.care_home_resident[who[(place == CARE_HOME) | moved_out]] = True


def emergency_probability(pop: Population, who: np.ndarray, intercept: float) -> np.ndarray:
    """Chance of an emergency admission in the last year of life for people not dying in hospital."""
    group_effect = np.array([0.35, 0.9, -0.2, -0.7])[pop.group[who]]
    place_effect = np.array([0.0, 0.0, -0.35, 0.25, -0.4])[pop.place[who]]
    deprivation = 0.07 * (5.5 - pop.imd[who])
    return 1 / (1 + np.exp(-(intercept + group_effect + place_effect + deprivation)))


def _assign_emergency_last_year(rng: np.random.Generator, pop: Population, who: np.ndarray) -> None:
    """Everyone dying in hospital is admitted as an emergency; others so that ~69% overall are."""
    in_hospital = pop.place[who] == HOSPITAL
    others = who[~in_hospital]
    needed = (EMERGENCY_LAST_YEAR_TARGET * who.size - in_hospital.sum()) / max(1, others.size)
    low, high = -8.0, 8.0
    for _ in range(50):
        middle = (low + high) / 2
        if emergency_probability(pop, others, middle).mean() < needed:
            low = middle
        else:
            high = middle
    flags = rng.random(others.size) < emergency_probability(pop, others, (low + high) / 2)
    pop.emergency_last_year[who[in_hospital]] = True
    pop.emergency_last_year[others[flags]] = True


@dataclass
class Conditions:
    """Chronic conditions, one row per (person, condition), sorted by person."""

    person: np.ndarray
    condition: np.ndarray
    diagnosed: np.ndarray
    cause: np.ndarray


def build_conditions(rng: np.random.Generator, pop: Population, window: Window) -> Conditions:
    """Conditions lived with (age- and deprivation-specific prevalence) plus the one each decedent dies of."""
    persons, kinds, days, causes = [], [], [], []
    age_end = np.maximum(pop.age_at(window.end), 0)
    tilt = 5.5 - pop.imd
    limit = np.minimum(pop.death_day, window.end)
    for name, prevalence in _PREVALENCE.items():
        p = np.interp(age_end, _PREVALENCE_AGES, prevalence) * np.exp(_PREVALENCE_DEPRIVATION.get(name, 0) * tilt)
        who = np.flatnonzero(rng.random(pop.n) < p)
        onset = window.end - rng.exponential(6 * YEAR, who.size)
        onset = np.maximum(onset, pop.birth_day[who] + 30 * YEAR * (name != "cancer")).astype(np.int64)
        keep = onset < limit[who]
        persons.append(who[keep])
        kinds.append(np.full(keep.sum(), codes.COND[name], dtype=np.int8))
        days.append(onset[keep])
        causes.append(np.full(keep.sum(), -1, dtype=np.int16))
    dying = np.flatnonzero((pop.death_day != NEVER) & (pop.group != SUDDEN))
    cause = pop.cause[dying]
    median_years = np.array([1.0, 4.0, 3.5, 0.0])[pop.group[dying]]
    spread = np.array([0.9, 0.6, 0.6, 0.0])[pop.group[dying]]
    lead = np.exp(np.log(median_years * YEAR) + spread * rng.standard_normal(dying.size))
    onset = (pop.death_day[dying] - np.clip(lead, 20, 15 * YEAR)).astype(np.int64)
    onset = np.maximum(onset, pop.birth_day[dying])
    condition_of_cause = np.array([codes.COND[c.condition] if c.condition else -1 for c in codes.CAUSES])
    persons.append(dying)
    kinds.append(condition_of_cause[cause].astype(np.int8))
    days.append(onset)
    causes.append(cause)
    person = np.concatenate(persons)
    kind = np.concatenate(kinds)
    day = np.concatenate(days)
    cause_all = np.concatenate(causes)
    # One row per (person, condition): the dying trajectory wins, and the earliest onset is kept.
    order = np.lexsort((-cause_all, day, kind, person))
    person, kind, day, cause_all = person[order], kind[order], day[order], cause_all[order]
    first = np.ones(person.size, dtype=bool)
    first[1:] = (person[1:] != person[:-1]) | (kind[1:] != kind[:-1])
    group_cause = np.maximum.reduceat(cause_all, np.flatnonzero(first)) if person.size else cause_all
    return Conditions(person[first], kind[first], day[first].astype(np.int32), group_cause.astype(np.int16))
