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
            choice[who] = homes[(who * 2654435761) % homes.size]
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
        counts = rng.binomial(3, 0.45, who.size)
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
        stay = np.exp(np.log(500) + 0.9 * rng.standard_normal(dying.size))
        start_dying = np.maximum(pop.death_day[dying] - stay.astype(np.int32), pop.birth_day[dying] + int(60 * YEAR))
        start_dying = np.minimum(start_dying, pop.death_day[dying])
        # Survivors living in care homes: older people with dementia or frailty.
        rel = np.flatnonzero(
            (pop.death_day[person] == NEVER)
            & (pop.age_at(window.end, person) >= 75)
            & np.isin(self.main[person], [codes.COND["dementia"], codes.COND["frailty"]])
        )
        living = person[rel[rng.random(rel.size) < 0.22]]
        start_living = rng.integers(window.history_start - 3 * 365, window.end + 1, living.size).astype(np.int32)
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
        depr = np.exp(0.07 * (5.5 - pop.imd[person]))
        morbidity = 1 + 0.6 * np.minimum(self.n_conditions[person], 4)
        ea_rate = np.interp(age, [0, 5, 15, 45, 65, 75, 85, 95], [0.12, 0.05, 0.05, 0.06, 0.11, 0.2, 0.38, 0.5])
        ea_rate = ea_rate * depr * morbidity
        # Decedents' last year is drawn separately so that the share admitted then is controlled.
        last_year_start = np.where(death != NEVER, death - 365, NEVER)
        bg_hi = np.minimum(self.act_hi, last_year_start - 1)
        rel_e, day_e = _spread(rng, self.act_lo, bg_hi, ea_rate)
        los_e = self._los(rng, age[rel_e], 3.0)
        kind_e = np.zeros(rel_e.size, dtype=np.int8)

        el_rate = np.interp(age, [0, 40, 60, 75, 90], [0.03, 0.06, 0.12, 0.18, 0.1])
        rel_l, day_l = _spread(rng, self.act_lo, self.act_hi, el_rate)
        los_l = np.where(rng.random(rel_l.size) < 0.7, 0, self._los(rng, age[rel_l], 2.0))
        kind_l = np.ones(rel_l.size, dtype=np.int8)

        # Chemotherapy day cases in the six months after a cancer diagnosis.
        c_lo, c_hi = self.cond_rows()
        cancer = self.cond.condition[c_lo:c_hi] == codes.COND["cancer"]
        c_rel = self.cond.person[c_lo:c_hi][cancer] - self.lo
        c_day = self.cond.diagnosed[c_lo:c_hi][cancer]
        chemo = rng.random(c_rel.size) < 0.5
        c_rel, c_day = c_rel[chemo], c_day[chemo]
        rep, day_c = _spread(rng, c_day, c_day + 180, 10.0)
        rel_c = c_rel[rep]
        los_c = np.zeros(rel_c.size, dtype=np.int32)
        kind_c = np.full(rel_c.size, 2, dtype=np.int8)

        # Emergency admissions in the last year of life, rising towards death.
        dec = np.flatnonzero(pop.emergency_last_year[person])
        in_hosp = pop.place[person[dec]] == HOSPITAL
        group = pop.group[person[dec]]
        terminal_los = np.where(group == SUDDEN, rng.geometric(0.45, dec.size) - 1, self._los(rng, age[dec], 7.0))
        terminal_los = np.minimum(terminal_los, 120)
        extra_rate = np.array([0.9, 1.4, 0.6, 0.15])[group] * depr[dec]
        extra = rng.poisson(extra_rate) + np.where(in_hosp, 0, 1)
        # Earlier admissions end before the final spell (hospital deaths) or before death.
        gap = np.where(in_hosp, terminal_los, 0) + 2
        rep, day_t = _before(rng, death[dec], extra, 90.0, gap[_repeat(extra)] if extra.sum() else 0, 365)
        rel_t = dec[rep]
        los_t = np.minimum(self._los(rng, age[rel_t], 5.0), np.maximum(death[rel_t] - gap[rep] - day_t, 0))
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
        discharge_method = np.where(died, 1, np.where(ongoing, -1, np.where(rng.random(rel.size) < 0.03, 2, 0)))
        primary, secondary, offsets = self._diagnoses(rng, rel + self.lo, kind, age[rel])
        provider = np.where(
            rng.random(rel.size) < 0.9,
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
        scale = median * np.interp(age, [20, 60, 85], [0.6, 1.0, 1.6])
        return np.minimum(np.exp(np.log(scale) + 0.9 * rng.standard_normal(age.size)), 150).astype(np.int32)

    def _diagnoses(self, rng: np.random.Generator, who: np.ndarray, kind: np.ndarray, age: np.ndarray):
        pop = self.pop
        n = who.size
        main = self.main[who]
        primary = _GENERAL[0][rng.choice(_GENERAL[1].size, n, p=_GENERAL[1])]
        elective = kind == 1
        primary[elective] = _ELECTIVE[0][rng.choice(_ELECTIVE[1].size, elective.sum(), p=_ELECTIVE[1])]
        primary[kind == 2] = _i(codes.CHEMOTHERAPY)
        # Emergencies of people with a chronic condition are often about it; terminal ones nearly always.
        related = (kind == 0) & (main >= 0) & (rng.random(n) < 0.45)
        related |= (kind == 3) & (main >= 0) & (pop.group[who] != SUDDEN)
        for c, pool in enumerate(_CONDITION_ICD):
            sel = related & (main == c)
            primary[sel] = pool[rng.integers(0, pool.size, sel.sum())]
        dying_of = (kind == 3) & (pop.cause[who] >= 0) & (rng.random(n) < 0.6)
        primary[dying_of] = _CAUSE_ICD[pop.cause[who[dying_of]]]
        frail = (age >= 65) | (pop.group[who] == FRAILTY)
        counts = np.minimum(rng.poisson(0.3 + np.maximum(age - 40, 0) / 15), 10)
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
        use = first_of_spell & (main[rep] >= 0) & (rng.random(rep.size) < 0.7)
        secondary = np.where(use, cond_code, secondary)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        return primary, secondary, offsets

    def _attendances(self, rng: np.random.Generator, person: np.ndarray, spells: dict) -> pa.Table:
        pop, ics = self.pop, self.ics
        via_ed = rng.random(spells["rel"].size) < 0.72
        rel_a = spells["rel"][via_ed]
        day_a = spells["day"][via_ed]
        spell_a = spells["id"][via_ed]
        prov_a = spells["provider"][via_ed]
        ambulance_a = rng.random(rel_a.size) < np.interp(spells["age"][via_ed], [20, 80], [0.3, 0.7])

        age = np.maximum(pop.age_at(self.window.start, person), 0)
        rate = np.interp(age, [0, 5, 20, 40, 70, 85], [0.35, 0.2, 0.3, 0.2, 0.25, 0.45])
        rate = rate * np.exp(0.08 * (5.5 - pop.imd[person]))
        rel_b, day_b = _spread(rng, self.act_lo, self.act_hi, rate)
        dec = np.flatnonzero((pop.death_day[person] != NEVER) & (pop.group[person] != SUDDEN))
        rep, day_d = _before(rng, pop.death_day[person[dec]], rng.poisson(0.6, dec.size), 45.0, 2, 180)
        rel_d = dec[rep]
        rel_n = np.concatenate([rel_b, rel_d])
        day_n = np.concatenate([day_b, day_d])
        keep = self._keep(rel_n, day_n)
        rel_n, day_n = rel_n[keep], day_n[keep]
        urgent = rng.random(rel_n.size) < 0.1
        prov_n = np.where(urgent, ics.trust_code.size, self.trust_of[rel_n + self.lo])
        ambulance_n = rng.random(rel_n.size) < np.interp(age[rel_n], [20, 80], [0.1, 0.4])
        disposal_n = categorical(rng, np.tile([0.0, 0.74, 0.16, 0.10, 0.0], (rel_n.size, 1)))

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
        rate = np.where((age >= 75) & (self.n_conditions[person] > 0), 2.5, 0.0)
        rate = rate + np.where(self.reg.on_register[person] & (pop.death_day[person] == NEVER), 6.0, 0.0)
        rel_b, day_b = _spread(rng, self.act_lo, self.act_hi, rate)
        dec = np.flatnonzero((pop.death_day[person] != NEVER) & (pop.group[person] != SUDDEN))
        group = pop.group[person[dec]]
        lam = np.array([14.0, 9.0, 9.0, 0.0])[group]
        lam = np.where(pop.place[person[dec]] == CARE_HOME, 3.0, lam)
        rep, day_d = _before(rng, pop.death_day[person[dec]], rng.poisson(lam), 35.0, 0, 150)
        rel_d = dec[rep]
        rel = np.concatenate([rel_b, rel_d])
        day = np.concatenate([day_b, day_d])
        keep = self._keep(rel, day)
        rel, day = rel[keep], day[keep]
        registered = self.reg.on_register[rel + self.lo]
        service = categorical(rng, np.where(registered[:, None], [0.55, 0.40, 0.05, 0.0], [0.75, 0.05, 0.12, 0.08]))
        mode = categorical(rng, np.tile([0.8, 0.18, 0.02], (rel.size, 1)))
        mirrored = (service == 0) & (rng.random(rel.size) < 0.2)
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
        rep, day_o = _before(rng, death, 1 + rng.poisson(5, rel_i.size), 45.0, 1, 200)
        rel_o = rel_i[rep]
        setting_o = categorical(rng, np.tile([0.0, 0.15, 0.2, 0.35, 0.3], (rel_o.size, 1)))
        died_there = rel_i[pop.place[person[rel_i]] == HOSPICE]
        stay = np.minimum(np.exp(np.log(11) + 0.8 * rng.standard_normal(died_there.size)), 90).astype(np.int32)
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
        referral = first & (rng.random(rel.size) < 0.7)
        gp.add(
            rel=rel[referral],
            day=np.maximum(day[referral] - rng.integers(0, 14, referral.sum()), self.act_lo[rel[referral]]),
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
        swap = rng.random(pack.size) < 0.15
        pack = np.where(swap & (pack < len(alternatives)), len(usual) + np.minimum(pack, len(alternatives) - 1), pack)
        pack_day = np.repeat(start, len(usual))
        # Repeat issues of the opioid and midazolam as needs grow.
        rep, day_r = _spread(rng, start, pop.death_day[person[rel]], 8.0)
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
            "quantity": pa.array(np.full(who.size, 10.0)),
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
        code = np.where(frailty, np.where(age_dx < 80, _s(codes.FRAILTY_MILD), _s(codes.FRAILTY_MODERATE)), code)
        has_code = code >= 0
        # Diagnosis, then the condition re-recorded at reviews (about yearly).
        rep, day_r = _spread(rng, np.maximum(diagnosed, self.window.history_start), self.act_hi[rel], 1.0)
        review_code = code[rep]
        dying_soon = (pop.death_day[rel[rep] + self.lo] - day_r) < 365
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
        referred = dec[rng.random(dec.size) < 0.15]
        rep, day_p = _before(rng, pop.death_day[person[referred]], np.ones(referred.size, dtype=np.int64), 30.0, 1, 120)
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
        dated(np.where(rng.random(n) < 0.4, added, NEVER), stage[0])
        dated(reg.acp_date[rows], np.array([_s(c) for c in codes.ACP_CODES])[rng.integers(0, 3, n)])
        dated(reg.cpr_date[rows], _s(codes.CPR_DECISION))
        dated(reg.coordinator_date[rows], np.array([_s(c) for c in codes.COORDINATOR_CODES])[rng.integers(0, 3, n)])
        dated(reg.carer_date[rows], _s(codes.CARER_DISCUSSION))
        death = pop.death_day[reg.person[rows]]
        dying = death != NEVER
        dated(np.where(dying & (rng.random(n) < 0.5), death - rng.integers(0, 4, n), NEVER), _s(codes.LAST_DAYS))
        dated(np.where(dying & (rng.random(n) < 0.4), death - rng.integers(7, 30, n), NEVER), stage[1])
        cancer = pop.group[reg.person[rows]] == CANCER
        dated(np.where(cancer & (rng.random(n) < 0.4), added, NEVER), _s(codes.DS1500))
        # Reviews at GSF multidisciplinary meetings, and symptom scores, while on the register.
        end = np.minimum(np.minimum(death, reg.removed[rows]), self.window.end)
        rep, day_m = _spread(rng, added, end, 6.0)
        gp.add(rel=rel[rep], day=day_m, code=np.full(rep.size, _s(codes.GSF_MDT)), value=np.full(rep.size, np.nan))
        rep, day_s = _spread(rng, added, end, 4.0)
        near = np.clip((death[rep] - day_s) / 90.0, 0, 1)
        score = np.clip(np.round(9 - 6 * near + rng.normal(0, 1.5, rep.size)), 0, 12)
        gp.add(rel=rel[rep], day=day_s, code=np.full(rep.size, _s(codes.PCPSS)), value=score)
        phase = np.where(death[rep] - day_s < 7, 4.0, np.where(death[rep] - day_s < 60, 3.0, 1.0))
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
