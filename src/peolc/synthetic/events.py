"""Activity and coded events for a chunk of people: GP codes, prescriptions, admissions, ED attendances,
community and hospice contacts, care home stays, registrations, deaths.

Background activity follows age, deprivation and chronic conditions; people approaching an expected death get
activity whose intensity rises exponentially towards the date of death. All draws are vectorised over the chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from peolc.analytics import contract
from peolc.synthetic import codes
from peolc.synthetic.codes import CANCER, FRAILTY, SUDDEN
from peolc.synthetic.columns import dates, labels
from peolc.synthetic.geography import Ics
from peolc.synthetic.population import (
    CARE_HOME,
    ETHNICITY_CODES,
    HOSPICE,
    HOSPITAL,
    NEVER,
    PLACES,
    YEAR,
    Conditions,
    Population,
    Window,
    categorical,
)
from peolc.synthetic.register import Register, main_condition, register_table

_SNOMED = tuple(sorted({code for group in codes.SNOMED_SOURCES.values() for code in group}))
_SNOMED_INDEX = {code: i for i, code in enumerate(_SNOMED)}
_ICD10 = tuple(
    sorted(
        set(codes.CAUSE_ICD10)
        | {c for group in codes.CONTRIBUTING.values() for c in group}
        | {c for group in codes.CONDITION_ICD10.values() for c in group}
        | {c for c, _ in codes.GENERAL_EMERGENCY}
        | {c for c, _ in codes.ELECTIVE}
        | {codes.CHEMOTHERAPY}
        | set(codes.hfrs_codes()[0])
        | set(codes.charlson_codes())
    )
)
_ICD10_INDEX = {code: i for i, code in enumerate(_ICD10)}


# ---------------------------------------------------------------------------------------------------------------
# Tuning constants. Unless a comment gives a published source, each was chosen so that the generated ICS meets the
# targets that ``peolc calibration`` checks (``calibration.py``: hospital use, place of death, register measures);
# none is a published figure itself. Rates are per person per year; ages in years; spans in days. Values "by illness
# trajectory" follow ``codes``' order: cancer, organ failure, frailty, sudden death.

LAST_YEAR_DAYS = 365
# Deprivation multiplies activity by exp(gradient × (MID_IMD_DECILE − decile)): most deprived decile 1 uses most.
MID_IMD_DECILE = 5.5

# Deaths: contributing causes ~ Binomial(3, 0.45).
CONTRIBUTING_CAUSES_MAX = 3
CONTRIBUTING_CAUSE_P = 0.45

# Care homes: residents who die there moved in a log-normal time before (median 500 days), not before age 60;
# of survivors aged 75+ whose main condition is dementia or frailty, 22% live in one, having moved in at any time
# from three years before the history starts.
CARE_HOME_STAY_MEDIAN_DAYS = 500
CARE_HOME_STAY_LOG_SD = 0.9
CARE_HOME_MIN_AGE = 60
LIVING_RESIDENT_MIN_AGE = 75
LIVING_RESIDENT_SHARE = 0.22
LIVING_RESIDENT_LOOKBACK_DAYS = 3 * 365
# Knuth's multiplicative hashing constant (2^32 / golden ratio; TAOCP vol. 3, 6.4): spreads people over homes.
_SPREAD_MULTIPLIER = 2654435761

# Hospital spells.
ADMISSION_DEPRIVATION_GRADIENT = 0.07
MORBIDITY_RATE_STEP = 0.6  # each chronic condition, up to 4, adds 60% to the emergency admission rate
MORBIDITY_CONDITIONS_CAP = 4
EMERGENCY_RATE_AGES = [0, 5, 15, 45, 65, 75, 85, 95]
EMERGENCY_RATE_PER_YEAR = [0.12, 0.05, 0.05, 0.06, 0.11, 0.2, 0.38, 0.5]
ELECTIVE_RATE_AGES = [0, 40, 60, 75, 90]
ELECTIVE_RATE_PER_YEAR = [0.03, 0.06, 0.12, 0.18, 0.1]
ELECTIVE_DAY_CASE_SHARE = 0.7
# Chemotherapy day cases for half of people with cancer, ten a year in the six months after diagnosis.
CHEMOTHERAPY_SHARE = 0.5
CHEMOTHERAPY_DAYS = 180
CHEMOTHERAPY_RATE_PER_YEAR = 10.0
# Median length of stay (days) by kind of spell, before the age factor.
EMERGENCY_LOS_MEDIAN = 3.0
ELECTIVE_LOS_MEDIAN = 2.0
TERMINAL_LOS_MEDIAN = 7.0
LAST_YEAR_LOS_MEDIAN = 5.0
LOS_AGES = [20, 60, 85]
LOS_AGE_FACTORS = [0.6, 1.0, 1.6]
LOS_LOG_SD = 0.9
LOS_MAX_DAYS = 150
# A sudden death in hospital follows a short stay: Geometric(0.45) − 1 days; any terminal stay is at most 120 days.
SUDDEN_TERMINAL_LOS_P = 0.45
TERMINAL_LOS_MAX_DAYS = 120
# Extra emergency admissions in the last year of life, mean by illness trajectory, denser towards death.
LAST_YEAR_EXTRA_ADMISSIONS = [0.9, 1.4, 0.6, 0.15]
LAST_YEAR_ADMISSION_TAU_DAYS = 90.0
TERMINAL_GAP_DAYS = 2  # between an earlier admission's end and the final spell or death
TRANSFER_SHARE = 0.03
LOCAL_TRUST_SHARE = 0.9

# Diagnoses: how often an emergency of someone with a chronic condition is about it, how often a terminal spell's
# primary diagnosis is the cause of death, and secondary diagnoses ~ Poisson(0.3 + years over 40 / 15), at most 10.
CONDITION_RELATED_EMERGENCY_SHARE = 0.45
TERMINAL_CAUSE_PRIMARY_SHARE = 0.6
FRAIL_AGE = 65
SECONDARY_DIAGNOSES_BASE = 0.3
SECONDARY_DIAGNOSES_FROM_AGE = 40
SECONDARY_DIAGNOSES_YEARS_PER_CODE = 15
SECONDARY_DIAGNOSES_MAX = 10
MAIN_CONDITION_CODED_SHARE = 0.7

# Emergency department.
EMERGENCY_VIA_ED_SHARE = 0.72
AMBULANCE_AGES = [20, 80]
AMBULANCE_SHARE_ADMITTED = [0.3, 0.7]
AMBULANCE_SHARE_NOT_ADMITTED = [0.1, 0.4]
ED_RATE_AGES = [0, 5, 20, 40, 70, 85]
ED_RATE_PER_YEAR = [0.35, 0.2, 0.3, 0.2, 0.25, 0.45]
ED_DEPRIVATION_GRADIENT = 0.08
# Attendances without admission in the last months of an expected death: Poisson(0.6), 2–180 days before death.
LAST_MONTHS_ED_MEAN = 0.6
LAST_MONTHS_ED_TAU_DAYS = 45.0
LAST_MONTHS_ED_WINDOW = (2, 180)
URGENT_CARE_SHARE = 0.1
# Disposal of attendances that did not lead to an admission, in contract.ED_DISPOSALS order.
ED_DISPOSAL_NOT_ADMITTED = [0.0, 0.74, 0.16, 0.10, 0.0]

# Community contacts: background rates, then contacts before an expected death (mean by illness trajectory, fewer
# for care home residents), denser towards death.
COMMUNITY_OLDER_AGE = 75
COMMUNITY_RATE_OLDER_WITH_CONDITIONS = 2.5
COMMUNITY_RATE_ON_REGISTER = 6.0
LAST_MONTHS_COMMUNITY_CONTACTS = [14.0, 9.0, 9.0, 0.0]
LAST_MONTHS_COMMUNITY_IN_CARE_HOME = 3.0
LAST_MONTHS_COMMUNITY_TAU_DAYS = 35.0
LAST_MONTHS_COMMUNITY_WINDOW = (0, 150)
# Service and mode shares, in contract.COMMUNITY_SERVICES and contract.CONTACT_MODES order.
COMMUNITY_SERVICE_ON_REGISTER = [0.55, 0.40, 0.05, 0.0]
COMMUNITY_SERVICE_OTHERWISE = [0.75, 0.05, 0.12, 0.08]
CONTACT_MODE_SHARES = [0.8, 0.18, 0.02]
DISTRICT_NURSE_CODED_SHARE = 0.2  # district nursing visits also coded in the GP record

# Hospice: 1 + Poisson(5) contacts 1–200 days before death, in contract.HOSPICE_SETTINGS order; an inpatient stay
# before a hospice death, log-normal with median 11 days, at most 90; the first contact's referral coded by the GP
# for 70%, up to 14 days before it.
HOSPICE_CONTACTS_MEAN = 5
HOSPICE_CONTACT_TAU_DAYS = 45.0
HOSPICE_CONTACT_WINDOW = (1, 200)
HOSPICE_SETTING_SHARES = [0.0, 0.15, 0.2, 0.35, 0.3]
HOSPICE_STAY_MEDIAN_DAYS = 11
HOSPICE_STAY_LOG_SD = 0.8
HOSPICE_STAY_MAX_DAYS = 90
HOSPICE_REFERRAL_CODED_SHARE = 0.7
HOSPICE_REFERRAL_LEAD_DAYS = 14

# Anticipatory medicines: an alternative product for 15% of a pack's items, repeat issues eight a year, ten units.
ALTERNATIVE_MEDICINE_SHARE = 0.15
REPEAT_ISSUES_PER_YEAR = 8.0
ISSUE_QUANTITY = 10.0

# GP record: frailty first coded mild before 80 and moderate after; conditions re-recorded about yearly; 15% of
# people dying an expected death off the register have a palliative referral coded 1–120 days before.
FRAILTY_MODERATE_FROM_AGE = 80
CONDITION_REVIEWS_PER_YEAR = 1.0
PALLIATIVE_CODE_OFF_REGISTER_SHARE = 0.15
PALLIATIVE_CODE_TAU_DAYS = 30.0
PALLIATIVE_CODE_WINDOW = (1, 120)

# GP record of people on the register: shares coded with each item, and how often reviews and scores are recorded.
GSF_STAGE_AT_ENTRY_SHARE = 0.4
LAST_DAYS_CODED_SHARE = 0.5
LAST_DAYS_LEAD_DAYS = (0, 4)
GSF_WEEKS_CODED_SHARE = 0.4
GSF_WEEKS_LEAD_DAYS = (7, 30)
DS1500_CODED_SHARE = 0.4
GSF_MDT_PER_YEAR = 6.0
SYMPTOM_SCORES_PER_YEAR = 4.0
# Palliative care problem severity score: mean 3 when death is 90 days or more away, rising to 9 at death, SD 1.5,
# on its 0–12 scale; phase of illness 4 (dying) in the last week, 3 (deteriorating) in the last 60 days, else 1.
PCPSS_AT_DEATH = 9
PCPSS_RISE_TO_DEATH = 6
PCPSS_DAYS = 90.0
PCPSS_SD = 1.5
PCPSS_MAX = 12
PHASE_DYING_DAYS = 7
PHASE_DETERIORATING_DAYS = 60


def _s(code: str) -> int:
    return _SNOMED_INDEX[code]


def _i(code: str) -> int:
    return _ICD10_INDEX[code]


def _weighted(pairs: tuple[tuple[str, float], ...]) -> tuple[np.ndarray, np.ndarray]:
    index = np.array([_i(c) for c, _ in pairs])
    weight = np.array([w for _, w in pairs], dtype=float)
    return index, weight / weight.sum()


_GENERAL = _weighted(codes.GENERAL_EMERGENCY)
_ELECTIVE = _weighted(codes.ELECTIVE)
_HFRS_INDEX = np.array([_i(c) for c in codes.hfrs_codes()[0]])
_CHARLSON_INDEX = np.array([_i(c) for c in codes.charlson_codes()])
_CONDITION_ICD = [np.array([_i(c) for c in codes.CONDITION_ICD10[name]]) for name in codes.CONDITIONS]
_CONDITION_SNOMED = [
    np.array([_s(c) for c in codes.CONDITION_SNOMED.get(name, ())], dtype=np.int32) for name in codes.CONDITIONS
]
_CAUSE_SNOMED = np.array([_s(c.snomed) if c.snomed else -1 for c in codes.CAUSES])
_CAUSE_ICD = np.array([_i(c.icd10) for c in codes.CAUSES])
_CONTRIBUTING = {g: np.array([_i(c) for c in pool]) for g, pool in codes.CONTRIBUTING.items()}


@dataclass
class _Rows:
    """Columns of one output table accumulated as NumPy arrays."""

    parts: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(self, **columns: np.ndarray) -> None:
        for name, values in columns.items():
            self.parts.setdefault(name, []).append(np.asarray(values))

    def column(self, name: str) -> np.ndarray:
        return np.concatenate(self.parts[name]) if name in self.parts else np.empty(0, dtype=np.int64)


def _repeat(counts: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(counts.size), counts)


def _spread(rng: np.random.Generator, t0: np.ndarray, t1: np.ndarray, rate_per_year: np.ndarray | float):
    """Poisson events at a constant rate over [t0, t1]: (row index, day)."""
    length = np.maximum(t1 - t0, 0).astype(np.float64)
    rep = _repeat(rng.poisson(rate_per_year * length / YEAR))
    day = t0[rep] + (rng.random(rep.size) * (length[rep] + 1)).astype(np.int32)
    return rep, np.minimum(day, t1[rep]).astype(np.int32)


def _before(
    rng: np.random.Generator, anchor: np.ndarray, counts: np.ndarray, tau: float, low: float, high: np.ndarray | float
):
    """Events ``low``–``high`` days before an anchor, denser near it (truncated exponential): (row index, day)."""
    rep = _repeat(counts)
    span = np.broadcast_to(np.asarray(high, dtype=float), anchor.shape)[rep] - low
    span = np.maximum(span, 0)
    u = rng.random(rep.size)
    back = low - tau * np.log1p(-u * -np.expm1(-span / tau))
    return rep, (anchor[rep] - back.astype(np.int32)).astype(np.int32)


class ChunkBuilder:
    """Builds every person-level table for people ``lo``…``hi - 1``."""

    def __init__(self, ics: Ics, pop: Population, cond: Conditions, reg: Register, window: Window) -> None:
        self.ics, self.pop, self.cond, self.reg, self.window = ics, pop, cond, reg, window
        self.main = main_condition(pop, cond)
        self.n_conditions = np.bincount(cond.person, minlength=pop.n)
        self.care_home = self._care_homes()
        self.trust_of = ics.locality_trust[pop.locality]
        self.hospice_of = ics.locality_hospice[pop.locality]
        self.community_of = ics.locality_community[pop.locality]
        self.next_id = {
            "registration_id": 1,
            "spell_id": 1,
            "attendance_id": 1,
            "contact_id": 1,
            "hospice_contact_id": 1,
            "residency_id": 1,
        }

    def _care_homes(self) -> np.ndarray:
        """A care home in each person's locality (used by residents only)."""
        ics, pop = self.ics, self.pop
        choice = np.zeros(pop.n, dtype=np.int32)
        for li in range(ics.locality_code.size):
            homes = np.flatnonzero(ics.care_home_locality == li)
            who = np.flatnonzero(pop.locality == li)
            # A deterministic spread keeps this independent of the random streams.
            choice[who] = homes[(who * _SPREAD_MULTIPLIER) % homes.size]
        return choice

    def _ids(self, name: str, n: int) -> np.ndarray:
        first = self.next_id[name]
        self.next_id[name] = first + n
        return np.arange(first, first + n, dtype=np.int64)

    # ------------------------------------------------------------------------------------------------------
    def build(self, rng: np.random.Generator, lo: int, hi: int) -> dict[str, pa.Table]:
        """All tables for one chunk of people."""
        pop, window = self.pop, self.window
        person = np.arange(lo, hi)
        death = pop.death_day[person]
        self.act_lo = np.maximum(pop.entry_day[person], window.history_start).astype(np.int32)
        self.act_hi = np.minimum.reduce([pop.exit_day[person], death, np.full(person.size, window.end)])
        self.act_hi = self.act_hi.astype(np.int32)
        self.lo = lo
        gp = _Rows()
        tables = {
            "patients": self._patients(person),
            "identifiers": None,
            "practice_registrations": self._registrations(person),
            "deaths": self._deaths(rng, person),
            "care_home_residency": self._residency(rng, person, gp),
        }
        spells = self._spells(rng, person)
        tables["hospital_spells"] = spells["table"]
        tables["emergency_attendances"] = self._attendances(rng, person, spells)
        tables["community_contacts"] = self._community(rng, person, gp)
        tables["hospice_contacts"] = self._hospice(rng, person, gp)
        tables["medications"] = self._medications(rng, person, gp)
        self._gp_conditions(rng, person, gp)
        self._gp_register(rng, person, gp)
        tables["gp_events"] = self._gp_table(gp)
        tables["register_snapshot"] = register_table(self.reg, self.reg.rows(lo, hi), pop, self.ics.practice_code)
        del tables["identifiers"]
        return tables

    def _keep(self, rel: np.ndarray, day: np.ndarray, gp: bool = False) -> np.ndarray:
        """Mask of events inside the person's record period."""
        low = self.pop.birth_day[self.lo + rel] if gp else self.act_lo[rel]
        return (day >= low) & (day <= self.act_hi[rel])

    # ------------------------------------------------------------------------------------------------------
    def _patients(self, person: np.ndarray) -> pa.Table:
        pop, ics = self.pop, self.ics
        birth = pop.birth_day[person].astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]")
        data = {
            "patient_id": pa.array(pop.patient_id[person]),
            "birth_month": pa.array(birth, type=pa.date32()),
            "sex": labels(pop.male[person].astype(np.int8), contract.SEXES[:2]),
            "ethnicity": labels(pop.ethnicity[person], ETHNICITY_CODES),
            "lsoa_code": labels(pop.lsoa[person], ics.lsoa_code),
            "lsoa_year": pa.array(np.full(person.size, 2011, dtype=np.int16)),
            "imd_decile": pa.array(pop.imd[person].astype(np.int16)),
        }
        return pa.table(data, schema=contract.table("patients").schema)

    def _registrations(self, person: np.ndarray) -> pa.Table:
        pop, ics, window = self.pop, self.ics, self.window
        death = pop.death_day[person]
        moved = pop.move_day[person] != NEVER
        first_end = np.minimum.reduce([pop.exit_day[person], death, np.where(moved, pop.move_day[person] - 1, NEVER)])
        first_reason = np.select(
            [moved, death <= np.minimum(pop.exit_day[person], window.end), pop.exit_day[person] <= window.end],
            [2, 0, 1],
            -1,
        )
        first_end = np.where(first_reason >= 0, first_end, NEVER)
        second = np.flatnonzero(moved)
        second_end = np.minimum(pop.exit_day[person[second]], death[second])
        second_reason = np.select([death[second] <= window.end, pop.exit_day[person[second]] <= window.end], [0, 1], -1)
        second_end = np.where(second_reason >= 0, second_end, NEVER)
        who = np.concatenate([person, person[second]])
        practice = np.concatenate([pop.practice[person], pop.second_practice[person[second]]])
        start = np.concatenate([pop.registered_since[person], pop.move_day[person[second]]])
        end = np.concatenate([first_end, second_end])
        reason = np.concatenate([first_reason, second_reason])
        data = {
            "registration_id": pa.array(self._ids("registration_id", who.size)),
            "patient_id": pa.array(pop.patient_id[who]),
            "practice_code": labels(practice, ics.practice_code),
            "pcn_code": labels(practice, ics.practice_pcn),
            "locality_code": labels(ics.practice_locality[practice], ics.locality_code),
            "start_date": dates(start),
            "end_date": dates(end),
            "end_reason": labels(reason, contract.REGISTRATION_END_REASONS),
        }
        return pa.table(data, schema=contract.table("practice_registrations").schema)

    def _deaths(self, rng: np.random.Generator, person: np.ndarray) -> pa.Table:
        pop, ics = self.pop, self.ics
        who = person[pop.death_day[person] <= self.window.end]
        place = pop.place[who]
        code = np.full(who.size, -1)
        org_codes = np.concatenate([ics.trust_code, ics.hospice_code, ics.care_home_code])
        n_t, n_h = ics.trust_code.size, ics.hospice_code.size
        code = np.where(place == HOSPITAL, self.trust_of[who], code)
        code = np.where(place == HOSPICE, n_t + self.hospice_of[who], code)
        code = np.where(place == CARE_HOME, n_t + n_h + self.care_home[who], code)
        counts = rng.binomial(CONTRIBUTING_CAUSES_MAX, CONTRIBUTING_CAUSE_P, who.size)
        rep = _repeat(counts)
        group = pop.group[who][rep]
        contributing = np.empty(rep.size, dtype=np.int32)
        for g, pool in _CONTRIBUTING.items():
            sel = group == g
            contributing[sel] = pool[rng.integers(0, pool.size, sel.sum())]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        data = {
            "patient_id": pa.array(pop.patient_id[who]),
            "date_of_death": dates(pop.death_day[who]),
            "place_of_death": labels(place, PLACES),
            "place_of_death_code": labels(code, org_codes),
            "underlying_cause": labels(_CAUSE_ICD[pop.cause[who]], _ICD10),
            "contributing_causes": pa.ListArray.from_arrays(pa.array(offsets), labels(contributing, _ICD10)),
        }
        return pa.table(data, schema=contract.table("deaths").schema)

    def _residency(self, rng: np.random.Generator, person: np.ndarray, gp: _Rows) -> pa.Table:
        pop, window = self.pop, self.window
        dying = person[pop.care_home_resident[person]]
        stay = np.exp(np.log(CARE_HOME_STAY_MEDIAN_DAYS) + CARE_HOME_STAY_LOG_SD * rng.standard_normal(dying.size))
        start_dying = np.maximum(
            pop.death_day[dying] - stay.astype(np.int32), pop.birth_day[dying] + int(CARE_HOME_MIN_AGE * YEAR)
        )
        start_dying = np.minimum(start_dying, pop.death_day[dying])
        # Survivors living in care homes: older people with dementia or frailty.
        rel = np.flatnonzero(
            (pop.death_day[person] == NEVER)
            & (pop.age_at(window.end, person) >= LIVING_RESIDENT_MIN_AGE)
            & np.isin(self.main[person], [codes.COND["dementia"], codes.COND["frailty"]])
        )
        living = person[rel[rng.random(rel.size) < LIVING_RESIDENT_SHARE]]
        start_living = rng.integers(
            window.history_start - LIVING_RESIDENT_LOOKBACK_DAYS, window.end + 1, living.size
        ).astype(np.int32)
        who = np.concatenate([dying, living])
        start = np.concatenate([start_dying, start_living]).astype(np.int32)
        keep = (start <= window.end) & (start <= pop.exit_day[who])
        who, start = who[keep], start[keep]
        ended_death = pop.death_day[who] <= window.end
        ended_exit = ~ended_death & (pop.exit_day[who] <= window.end)
        end = np.where(ended_death, pop.death_day[who], np.where(ended_exit, pop.exit_day[who], NEVER))
        reason = np.where(ended_death, 0, np.where(ended_exit, 1, -1))
        code_rel = who - self.lo
        entry_event = self._keep(code_rel, start, gp=True)
        gp.add(
            rel=code_rel[entry_event],
            day=start[entry_event],
            code=np.where(
                rng.random(entry_event.sum()) < 0.5, _s(codes.CARE_HOME_CODES[0]), _s(codes.CARE_HOME_CODES[1])
            ),
            value=np.full(entry_event.sum(), np.nan),
        )
        data = {
            "residency_id": pa.array(self._ids("residency_id", who.size)),
            "patient_id": pa.array(pop.patient_id[who]),
            "care_home_code": labels(self.care_home[who], self.ics.care_home_code),
            "start_date": dates(start),
            "end_date": dates(end),
            "end_reason": labels(reason, contract.RESIDENCY_END_REASONS),
        }
        return pa.table(data, schema=contract.table("care_home_residency").schema)

    # ------------------------------------------------------------------------------------------------------
    def _spells(self, rng: np.random.Generator, person: np.ndarray) -> dict:
        pop, window = self.pop, self.window
        age = np.maximum(pop.age_at(window.start, person), 0)
        death = pop.death_day[person]
        depr = np.exp(ADMISSION_DEPRIVATION_GRADIENT * (MID_IMD_DECILE - pop.imd[person]))
        morbidity = 1 + MORBIDITY_RATE_STEP * np.minimum(self.n_conditions[person], MORBIDITY_CONDITIONS_CAP)
        ea_rate = np.interp(age, EMERGENCY_RATE_AGES, EMERGENCY_RATE_PER_YEAR)
        ea_rate = ea_rate * depr * morbidity
        # Decedents' last year is drawn separately so that the share admitted then is controlled.
        last_year_start = np.where(death != NEVER, death - LAST_YEAR_DAYS, NEVER)
        bg_hi = np.minimum(self.act_hi, last_year_start - 1)
        rel_e, day_e = _spread(rng, self.act_lo, bg_hi, ea_rate)
        los_e = self._los(rng, age[rel_e], EMERGENCY_LOS_MEDIAN)
        kind_e = np.zeros(rel_e.size, dtype=np.int8)

        el_rate = np.interp(age, ELECTIVE_RATE_AGES, ELECTIVE_RATE_PER_YEAR)
        rel_l, day_l = _spread(rng, self.act_lo, self.act_hi, el_rate)
        day_case = rng.random(rel_l.size) < ELECTIVE_DAY_CASE_SHARE
        los_l = np.where(day_case, 0, self._los(rng, age[rel_l], ELECTIVE_LOS_MEDIAN))
        kind_l = np.ones(rel_l.size, dtype=np.int8)

        # Chemotherapy day cases in the six months after a cancer diagnosis.
        c_lo, c_hi = self.cond_rows()
        cancer = self.cond.condition[c_lo:c_hi] == codes.COND["cancer"]
        c_rel = self.cond.person[c_lo:c_hi][cancer] - self.lo
        c_day = self.cond.diagnosed[c_lo:c_hi][cancer]
        chemo = rng.random(c_rel.size) < CHEMOTHERAPY_SHARE
        c_rel, c_day = c_rel[chemo], c_day[chemo]
        rep, day_c = _spread(rng, c_day, c_day + CHEMOTHERAPY_DAYS, CHEMOTHERAPY_RATE_PER_YEAR)
        rel_c = c_rel[rep]
        los_c = np.zeros(rel_c.size, dtype=np.int32)
        kind_c = np.full(rel_c.size, 2, dtype=np.int8)

        # Emergency admissions in the last year of life, rising towards death.
        dec = np.flatnonzero(pop.emergency_last_year[person])
        in_hosp = pop.place[person[dec]] == HOSPITAL
        group = pop.group[person[dec]]
        terminal_los = np.where(
            group == SUDDEN,
            rng.geometric(SUDDEN_TERMINAL_LOS_P, dec.size) - 1,
            self._los(rng, age[dec], TERMINAL_LOS_MEDIAN),
        )
        terminal_los = np.minimum(terminal_los, TERMINAL_LOS_MAX_DAYS)
        extra_rate = np.array(LAST_YEAR_EXTRA_ADMISSIONS)[group] * depr[dec]
        extra = rng.poisson(extra_rate) + np.where(in_hosp, 0, 1)
        # Earlier admissions end before the final spell (hospital deaths) or before death.
        gap = np.where(in_hosp, terminal_los, 0) + TERMINAL_GAP_DAYS
        low = gap[_repeat(extra)] if extra.sum() else 0
        rep, day_t = _before(rng, death[dec], extra, LAST_YEAR_ADMISSION_TAU_DAYS, low, LAST_YEAR_DAYS)
        rel_t = dec[rep]
        room = np.maximum(death[rel_t] - gap[rep] - day_t, 0)
        los_t = np.minimum(self._los(rng, age[rel_t], LAST_YEAR_LOS_MEDIAN), room)
        kind_t = np.zeros(rel_t.size, dtype=np.int8)
        final = dec[in_hosp]
        day_f = (death[final] - terminal_los[in_hosp]).astype(np.int32)
        los_f = terminal_los[in_hosp]
        kind_f = np.full(final.size, 3, dtype=np.int8)

        rel = np.concatenate([rel_e, rel_l, rel_c, rel_t, final])
        day = np.concatenate([day_e, day_l, day_c, day_t, day_f]).astype(np.int32)
        los = np.concatenate([los_e, los_l, los_c, los_t, los_f]).astype(np.int32)
        kind = np.concatenate([kind_e, kind_l, kind_c, kind_t, kind_f])
        keep = self._keep(rel, day)
        rel, day, los, kind = rel[keep], day[keep], los[keep], kind[keep]
        discharge = day + los
        died = kind == 3
        ongoing = (discharge > window.end) & ~died
        discharge = np.where(died, death[rel], np.minimum(discharge, death[rel]))
        discharge = np.where(ongoing, NEVER, discharge)
        method = np.where(kind == 1, 1, np.where(kind == 2, 1, 0))
        transferred = rng.random(rel.size) < TRANSFER_SHARE
        discharge_method = np.where(died, 1, np.where(ongoing, -1, np.where(transferred, 2, 0)))
        primary, secondary, offsets = self._diagnoses(rng, rel + self.lo, kind, age[rel])
        provider = np.where(
            rng.random(rel.size) < LOCAL_TRUST_SHARE,
            self.trust_of[rel + self.lo],
            rng.integers(0, self.ics.trust_code.size, rel.size),
        )
        provider = np.where(died, self.trust_of[rel + self.lo], provider)
        ids = self._ids("spell_id", rel.size)
        data = {
            "spell_id": pa.array(ids),
            "patient_id": pa.array(pop.patient_id[rel + self.lo]),
            "provider_code": labels(provider, self.ics.trust_code),
            "admission_date": dates(day),
            "discharge_date": dates(discharge),
            "admission_method": labels(method, contract.ADMISSION_METHODS),
            "discharge_method": labels(discharge_method, contract.DISCHARGE_METHODS),
            "primary_diagnosis": labels(primary, _ICD10),
            "secondary_diagnoses": pa.ListArray.from_arrays(pa.array(offsets), labels(secondary, _ICD10)),
        }
        emergency = method == 0
        return {
            "table": pa.table(data, schema=contract.table("hospital_spells").schema),
            "rel": rel[emergency],
            "day": day[emergency],
            "id": ids[emergency],
            "provider": provider[emergency],
            "age": age[rel[emergency]],
        }

    def cond_rows(self) -> tuple[int, int]:
        """Range of condition rows for the current chunk."""
        hi = self.lo + self.act_lo.size
        return int(np.searchsorted(self.cond.person, self.lo)), int(np.searchsorted(self.cond.person, hi))

    @staticmethod
    def _los(rng: np.random.Generator, age: np.ndarray, median: float) -> np.ndarray:
        scale = median * np.interp(age, LOS_AGES, LOS_AGE_FACTORS)
        stay = np.exp(np.log(scale) + LOS_LOG_SD * rng.standard_normal(age.size))
        return np.minimum(stay, LOS_MAX_DAYS).astype(np.int32)

    def _diagnoses(self, rng: np.random.Generator, who: np.ndarray, kind: np.ndarray, age: np.ndarray):
        pop = self.pop
        n = who.size
        main = self.main[who]
        primary = _GENERAL[0][rng.choice(_GENERAL[1].size, n, p=_GENERAL[1])]
        elective = kind == 1
        primary[elective] = _ELECTIVE[0][rng.choice(_ELECTIVE[1].size, elective.sum(), p=_ELECTIVE[1])]
        primary[kind == 2] = _i(codes.CHEMOTHERAPY)
        # Emergencies of people with a chronic condition are often about it; terminal ones nearly always.
        related = (kind == 0) & (main >= 0) & (rng.random(n) < CONDITION_RELATED_EMERGENCY_SHARE)
        related |= (kind == 3) & (main >= 0) & (pop.group[who] != SUDDEN)
        for c, pool in enumerate(_CONDITION_ICD):
            sel = related & (main == c)
            primary[sel] = pool[rng.integers(0, pool.size, sel.sum())]
        dying_of = (kind == 3) & (pop.cause[who] >= 0) & (rng.random(n) < TERMINAL_CAUSE_PRIMARY_SHARE)
        primary[dying_of] = _CAUSE_ICD[pop.cause[who[dying_of]]]
        frail = (age >= FRAIL_AGE) | (pop.group[who] == FRAILTY)
        later_years = np.maximum(age - SECONDARY_DIAGNOSES_FROM_AGE, 0)
        mean = SECONDARY_DIAGNOSES_BASE + later_years / SECONDARY_DIAGNOSES_YEARS_PER_CODE
        counts = np.minimum(rng.poisson(mean), SECONDARY_DIAGNOSES_MAX)
        rep = _repeat(counts)
        hfrs_p = codes.hfrs_codes()[1]
        secondary = np.where(
            frail[rep],
            _HFRS_INDEX[rng.choice(hfrs_p.size, rep.size, p=hfrs_p)],
            _CHARLSON_INDEX[rng.integers(0, _CHARLSON_INDEX.size, rep.size)],
        )
        # The main condition is usually coded as a secondary diagnosis.
        first_of_spell = np.concatenate([[True], rep[1:] != rep[:-1]]) if rep.size else rep.astype(bool)
        cond_code = np.array([pool[0] for pool in _CONDITION_ICD])[np.maximum(main[rep], 0)]
        use = first_of_spell & (main[rep] >= 0) & (rng.random(rep.size) < MAIN_CONDITION_CODED_SHARE)
        secondary = np.where(use, cond_code, secondary)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        return primary, secondary, offsets

    def _attendances(self, rng: np.random.Generator, person: np.ndarray, spells: dict) -> pa.Table:
        pop, ics = self.pop, self.ics
        via_ed = rng.random(spells["rel"].size) < EMERGENCY_VIA_ED_SHARE
        rel_a = spells["rel"][via_ed]
        day_a = spells["day"][via_ed]
        spell_a = spells["id"][via_ed]
        prov_a = spells["provider"][via_ed]
        ambulance_share = np.interp(spells["age"][via_ed], AMBULANCE_AGES, AMBULANCE_SHARE_ADMITTED)
        ambulance_a = rng.random(rel_a.size) < ambulance_share

        age = np.maximum(pop.age_at(self.window.start, person), 0)
        rate = np.interp(age, ED_RATE_AGES, ED_RATE_PER_YEAR)
        rate = rate * np.exp(ED_DEPRIVATION_GRADIENT * (MID_IMD_DECILE - pop.imd[person]))
        rel_b, day_b = _spread(rng, self.act_lo, self.act_hi, rate)
        dec = np.flatnonzero((pop.death_day[person] != NEVER) & (pop.group[person] != SUDDEN))
        counts = rng.poisson(LAST_MONTHS_ED_MEAN, dec.size)
        rep, day_d = _before(rng, pop.death_day[person[dec]], counts, LAST_MONTHS_ED_TAU_DAYS, *LAST_MONTHS_ED_WINDOW)
        rel_d = dec[rep]
        rel_n = np.concatenate([rel_b, rel_d])
        day_n = np.concatenate([day_b, day_d])
        keep = self._keep(rel_n, day_n)
        rel_n, day_n = rel_n[keep], day_n[keep]
        urgent = rng.random(rel_n.size) < URGENT_CARE_SHARE
        prov_n = np.where(urgent, ics.trust_code.size, self.trust_of[rel_n + self.lo])
        ambulance_n = rng.random(rel_n.size) < np.interp(age[rel_n], AMBULANCE_AGES, AMBULANCE_SHARE_NOT_ADMITTED)
        disposal_n = categorical(rng, np.tile(ED_DISPOSAL_NOT_ADMITTED, (rel_n.size, 1)))

        rel = np.concatenate([rel_a, rel_n])
        mode = np.where(np.concatenate([ambulance_a, ambulance_n]), 0, 1)
        providers = np.concatenate([ics.trust_code, [ics.urgent_care_code]])
        data = {
            "attendance_id": pa.array(self._ids("attendance_id", rel.size)),
            "patient_id": pa.array(pop.patient_id[rel + self.lo]),
            "provider_code": labels(np.concatenate([prov_a, prov_n]), providers),
            "arrival_date": dates(np.concatenate([day_a, day_n])),
            "arrival_mode": labels(mode, contract.ARRIVAL_MODES),
            "disposal": labels(
                np.concatenate([np.zeros(rel_a.size, dtype=np.int64), disposal_n]), contract.ED_DISPOSALS
            ),
            "spell_id": pa.array(
                np.concatenate([spell_a, np.zeros(rel_n.size, dtype=np.int64)]),
                mask=np.concatenate([np.zeros(rel_a.size, bool), np.ones(rel_n.size, bool)]),
            ),
        }
        return pa.table(data, schema=contract.table("emergency_attendances").schema)

    # ------------------------------------------------------------------------------------------------------
    def _community(self, rng: np.random.Generator, person: np.ndarray, gp: _Rows) -> pa.Table:
        pop = self.pop
        age = pop.age_at(self.window.start, person)
        older_with_conditions = (age >= COMMUNITY_OLDER_AGE) & (self.n_conditions[person] > 0)
        rate = np.where(older_with_conditions, COMMUNITY_RATE_OLDER_WITH_CONDITIONS, 0.0)
        living_on_register = self.reg.on_register[person] & (pop.death_day[person] == NEVER)
        rate = rate + np.where(living_on_register, COMMUNITY_RATE_ON_REGISTER, 0.0)
        rel_b, day_b = _spread(rng, self.act_lo, self.act_hi, rate)
        dec = np.flatnonzero((pop.death_day[person] != NEVER) & (pop.group[person] != SUDDEN))
        group = pop.group[person[dec]]
        lam = np.array(LAST_MONTHS_COMMUNITY_CONTACTS)[group]
        lam = np.where(pop.place[person[dec]] == CARE_HOME, LAST_MONTHS_COMMUNITY_IN_CARE_HOME, lam)
        counts = rng.poisson(lam)
        rep, day_d = _before(
            rng, pop.death_day[person[dec]], counts, LAST_MONTHS_COMMUNITY_TAU_DAYS, *LAST_MONTHS_COMMUNITY_WINDOW
        )
        rel_d = dec[rep]
        rel = np.concatenate([rel_b, rel_d])
        day = np.concatenate([day_b, day_d])
        keep = self._keep(rel, day)
        rel, day = rel[keep], day[keep]
        registered = self.reg.on_register[rel + self.lo]
        service = categorical(
            rng, np.where(registered[:, None], COMMUNITY_SERVICE_ON_REGISTER, COMMUNITY_SERVICE_OTHERWISE)
        )
        mode = categorical(rng, np.tile(CONTACT_MODE_SHARES, (rel.size, 1)))
        mirrored = (service == 0) & (rng.random(rel.size) < DISTRICT_NURSE_CODED_SHARE)
        gp.add(
            rel=rel[mirrored],
            day=day[mirrored],
            code=np.full(mirrored.sum(), _s(codes.DISTRICT_NURSE_VISIT)),
            value=np.full(mirrored.sum(), np.nan),
        )
        data = {
            "contact_id": pa.array(self._ids("contact_id", rel.size)),
            "patient_id": pa.array(pop.patient_id[rel + self.lo]),
            "provider_code": labels(self.community_of[rel + self.lo], self.ics.community_code),
            "contact_date": dates(day),
            "service": labels(service, contract.COMMUNITY_SERVICES),
            "contact_mode": labels(mode, contract.CONTACT_MODES),
        }
        return pa.table(data, schema=contract.table("community_contacts").schema)

    def _hospice(self, rng: np.random.Generator, person: np.ndarray, gp: _Rows) -> pa.Table:
        pop = self.pop
        rel_i = np.flatnonzero(self.reg.hospice_involved[person])
        death = pop.death_day[person[rel_i]]
        counts = 1 + rng.poisson(HOSPICE_CONTACTS_MEAN, rel_i.size)
        rep, day_o = _before(rng, death, counts, HOSPICE_CONTACT_TAU_DAYS, *HOSPICE_CONTACT_WINDOW)
        rel_o = rel_i[rep]
        setting_o = categorical(rng, np.tile(HOSPICE_SETTING_SHARES, (rel_o.size, 1)))
        died_there = rel_i[pop.place[person[rel_i]] == HOSPICE]
        stay = np.exp(np.log(HOSPICE_STAY_MEDIAN_DAYS) + HOSPICE_STAY_LOG_SD * rng.standard_normal(died_there.size))
        stay = np.minimum(stay, HOSPICE_STAY_MAX_DAYS).astype(np.int32)
        day_s = pop.death_day[person[died_there]] - stay
        rel = np.concatenate([rel_o, died_there])
        day = np.concatenate([day_o, day_s])
        setting = np.concatenate([setting_o, np.zeros(died_there.size, dtype=np.int64)])
        keep = self._keep(rel, day)
        rel, day, setting = rel[keep], day[keep], setting[keep]
        first = np.ones(rel.size, dtype=bool)
        if rel.size:
            order = np.lexsort((day, rel))
            first_sorted = np.concatenate([[True], rel[order][1:] != rel[order][:-1]])
            first[:] = False
            first[order[first_sorted]] = True
        referral = first & (rng.random(rel.size) < HOSPICE_REFERRAL_CODED_SHARE)
        gp.add(
            rel=rel[referral],
            day=np.maximum(
                day[referral] - rng.integers(0, HOSPICE_REFERRAL_LEAD_DAYS, referral.sum()), self.act_lo[rel[referral]]
            ),
            code=np.full(referral.sum(), _s(codes.REFERRAL_HOSPICE)),
            value=np.full(referral.sum(), np.nan),
        )
        data = {
            "contact_id": pa.array(self._ids("hospice_contact_id", rel.size)),
            "patient_id": pa.array(pop.patient_id[rel + self.lo]),
            "hospice_code": labels(self.hospice_of[rel + self.lo], self.ics.hospice_code),
            "contact_date": dates(day),
            "setting": labels(setting, contract.HOSPICE_SETTINGS),
        }
        return pa.table(data, schema=contract.table("hospice_contacts").schema)

    def _medications(self, rng: np.random.Generator, person: np.ndarray, gp: _Rows) -> pa.Table:
        pop = self.pop
        usual, alternatives = codes.anticipatory_products()
        products = usual + alternatives
        rel = np.flatnonzero(self.reg.medicines_day[person] != NEVER)
        start = self.reg.medicines_day[person[rel]]
        # The usual four-drug pack, sometimes with an alternative opioid, antiemetic or antisecretory.
        pack = np.tile(np.arange(len(usual)), rel.size)
        pack_rel = np.repeat(rel, len(usual))
        swap = rng.random(pack.size) < ALTERNATIVE_MEDICINE_SHARE
        pack = np.where(swap & (pack < len(alternatives)), len(usual) + np.minimum(pack, len(alternatives) - 1), pack)
        pack_day = np.repeat(start, len(usual))
        # Repeat issues of the opioid and midazolam as needs grow.
        rep, day_r = _spread(rng, start, pop.death_day[person[rel]], REPEAT_ISSUES_PER_YEAR)
        rel_r = rel[rep]
        product_r = rng.integers(0, 2, rel_r.size)
        who = np.concatenate([pack_rel, rel_r])
        day = np.concatenate([pack_day, day_r]).astype(np.int32)
        product = np.concatenate([pack, product_r])
        keep = self._keep(who, day)
        who, day, product = who[keep], day[keep], product[keep]
        gp.add(
            rel=rel,
            day=start,
            code=np.full(rel.size, _s(codes.ANTICIPATORY_PRESCRIBED)),
            value=np.full(rel.size, np.nan),
        )
        data = {
            "patient_id": pa.array(pop.patient_id[who + self.lo]),
            "issue_date": dates(day),
            "dmd_code": labels(product, products),
            "quantity": pa.array(np.full(who.size, ISSUE_QUANTITY)),
        }
        return pa.table(data, schema=contract.table("medications").schema)

    # ------------------------------------------------------------------------------------------------------
    def _gp_conditions(self, rng: np.random.Generator, person: np.ndarray, gp: _Rows) -> None:
        pop, cond = self.pop, self.cond
        c_lo, c_hi = self.cond_rows()
        rel = cond.person[c_lo:c_hi] - self.lo
        kind = cond.condition[c_lo:c_hi]
        diagnosed = cond.diagnosed[c_lo:c_hi]
        cause = cond.cause[c_lo:c_hi]
        code = np.full(rel.size, -1, dtype=np.int32)
        for c, pool in enumerate(_CONDITION_SNOMED):
            sel = kind == c
            if pool.size:
                code[sel] = pool[rng.integers(0, pool.size, sel.sum())]
        with_cause = cause >= 0
        code = np.where(
            with_cause & (_CAUSE_SNOMED[np.maximum(cause, 0)] >= 0), _CAUSE_SNOMED[np.maximum(cause, 0)], code
        )
        frailty = kind == codes.COND["frailty"]
        age_dx = (diagnosed - pop.birth_day[rel + self.lo]) / YEAR
        first_frailty = np.where(age_dx < FRAILTY_MODERATE_FROM_AGE, _s(codes.FRAILTY_MILD), _s(codes.FRAILTY_MODERATE))
        code = np.where(frailty, first_frailty, code)
        has_code = code >= 0
        # Diagnosis, then the condition re-recorded at reviews (about yearly).
        since = np.maximum(diagnosed, self.window.history_start)
        rep, day_r = _spread(rng, since, self.act_hi[rel], CONDITION_REVIEWS_PER_YEAR)
        review_code = code[rep]
        dying_soon = (pop.death_day[rel[rep] + self.lo] - day_r) < LAST_YEAR_DAYS
        review_code = np.where(frailty[rep] & dying_soon, _s(codes.FRAILTY_SEVERE), review_code)
        all_rel = np.concatenate([rel[has_code], rel[rep]])
        all_day = np.concatenate([diagnosed[has_code], day_r])
        all_code = np.concatenate([code[has_code], review_code])
        keep = self._keep(all_rel, all_day, gp=True) & (all_code >= 0)
        gp.add(rel=all_rel[keep], day=all_day[keep], code=all_code[keep], value=np.full(keep.sum(), np.nan))

        # Palliative codes recorded outside the register for some people near an expected death.
        dec = np.flatnonzero(
            (pop.death_day[person] != NEVER) & (pop.group[person] != SUDDEN) & ~self.reg.on_register[person]
        )
        referred = dec[rng.random(dec.size) < PALLIATIVE_CODE_OFF_REGISTER_SHARE]
        once = np.ones(referred.size, dtype=np.int64)
        rep, day_p = _before(
            rng, pop.death_day[person[referred]], once, PALLIATIVE_CODE_TAU_DAYS, *PALLIATIVE_CODE_WINDOW
        )
        code_p = np.array([_s(c) for c in codes.REFERRAL_PALLIATIVE])[rng.integers(0, 2, rep.size)]
        gp.add(rel=referred[rep], day=day_p, code=code_p, value=np.full(rep.size, np.nan))

    def _gp_register(self, rng: np.random.Generator, person: np.ndarray, gp: _Rows) -> None:
        pop, reg = self.pop, self.reg
        rows = reg.rows(self.lo, self.lo + person.size)
        rel = reg.person[rows] - self.lo
        n = rel.size
        added = reg.added[rows]

        def dated(days: np.ndarray, code: np.ndarray | int, value: np.ndarray | None = None) -> None:
            has = days != NEVER
            code = np.broadcast_to(code, days.shape)
            gp.add(
                rel=rel[has],
                day=days[has],
                code=code[has],
                value=np.full(has.sum(), np.nan) if value is None else value[has],
            )

        pick = rng.integers(0, 2, n)
        dated(added, np.array([_s(c) for c in codes.ON_REGISTER])[pick])
        stage = np.array([_s(codes.GSF_STAGE[k]) for k in ("months", "weeks", "days")])
        dated(np.where(rng.random(n) < GSF_STAGE_AT_ENTRY_SHARE, added, NEVER), stage[0])
        dated(reg.acp_date[rows], np.array([_s(c) for c in codes.ACP_CODES])[rng.integers(0, 3, n)])
        dated(reg.cpr_date[rows], _s(codes.CPR_DECISION))
        dated(reg.coordinator_date[rows], np.array([_s(c) for c in codes.COORDINATOR_CODES])[rng.integers(0, 3, n)])
        dated(reg.carer_date[rows], _s(codes.CARER_DISCUSSION))
        death = pop.death_day[reg.person[rows]]
        dying = death != NEVER
        # Each share is drawn before its dates, as the random stream has always been consumed.
        coded = dying & (rng.random(n) < LAST_DAYS_CODED_SHARE)
        dated(np.where(coded, death - rng.integers(*LAST_DAYS_LEAD_DAYS, n), NEVER), _s(codes.LAST_DAYS))
        coded = dying & (rng.random(n) < GSF_WEEKS_CODED_SHARE)
        dated(np.where(coded, death - rng.integers(*GSF_WEEKS_LEAD_DAYS, n), NEVER), stage[1])
        cancer = pop.group[reg.person[rows]] == CANCER
        dated(np.where(cancer & (rng.random(n) < DS1500_CODED_SHARE), added, NEVER), _s(codes.DS1500))
        # Reviews at GSF multidisciplinary meetings, and symptom scores, while on the register.
        end = np.minimum(np.minimum(death, reg.removed[rows]), self.window.end)
        rep, day_m = _spread(rng, added, end, GSF_MDT_PER_YEAR)
        gp.add(rel=rel[rep], day=day_m, code=np.full(rep.size, _s(codes.GSF_MDT)), value=np.full(rep.size, np.nan))
        rep, day_s = _spread(rng, added, end, SYMPTOM_SCORES_PER_YEAR)
        distance = np.clip((death[rep] - day_s) / PCPSS_DAYS, 0, 1)
        mean_score = PCPSS_AT_DEATH - PCPSS_RISE_TO_DEATH * distance
        score = np.clip(np.round(mean_score + rng.normal(0, PCPSS_SD, rep.size)), 0, PCPSS_MAX)
        gp.add(rel=rel[rep], day=day_s, code=np.full(rep.size, _s(codes.PCPSS)), value=score)
        to_death = death[rep] - day_s
        phase = np.where(to_death < PHASE_DYING_DAYS, 4.0, np.where(to_death < PHASE_DETERIORATING_DAYS, 3.0, 1.0))
        gp.add(rel=rel[rep], day=day_s, code=np.full(rep.size, _s(codes.PALLIATIVE_PHASE)), value=phase)

    def _gp_table(self, gp: _Rows) -> pa.Table:
        rel = gp.column("rel").astype(np.int64)
        day = gp.column("day").astype(np.int32)
        code = gp.column("code")
        value = gp.column("value").astype(np.float64)
        keep = self._keep(rel, day, gp=True)
        rel, day, code, value = rel[keep], day[keep], code[keep], value[keep]
        order = np.lexsort((day, rel))
        rel, day, code, value = rel[order], day[order], code[order], value[order]
        who = rel + self.lo
        practice = self.pop.practice_on(who, day)
        missing = np.isnan(value)
        data = {
            "patient_id": pa.array(self.pop.patient_id[who]),
            "event_date": dates(day),
            "snomed_code": labels(code, _SNOMED),
            "value": pa.array(value, mask=missing if missing.any() else None),
            "practice_code": labels(practice, self.ics.practice_code),
        }
        return pa.table(data, schema=contract.table("gp_events").schema)
