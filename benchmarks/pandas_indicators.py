"""A pandas reference for the indicator engine: what a competent analyst would write without the engine.

It computes the decedent-based proportions (places of death, DiUPR, emergency admissions, A&E, register measures,
hospice contact) for every period, area level and breakdown, with Wilson limits, from the same contract Parquet.
It has no suppression, trend, benchmarks or inequality indices, so it does less work than the engine.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from peolc.analytics.indicators.cohorts import ETHNIC_GROUPS
from peolc.analytics.indicators.periods import build_periods
from peolc.analytics.stats import CONFIDENCE_95, wilson_interval

AREAS = {"icb": "icb_code", "locality": "locality_code", "pcn": "pcn_code", "practice": "practice_code"}
BREAKDOWNS = ["age_band", "sex", "ethnic_group", "imd_quintile"]
ETHNIC = {code: group for group, codes in ETHNIC_GROUPS.items() for code in codes}


def decedents(data: Path) -> pd.DataFrame:
    """One row per death with the practice at death and last-year-of-life flags."""
    deaths = pd.read_parquet(data / "deaths.parquet", columns=["patient_id", "date_of_death", "place_of_death"])
    deaths["date_of_death"] = pd.to_datetime(deaths["date_of_death"])
    regs = pd.read_parquet(data / "practice_registrations.parquet")
    regs = regs.merge(deaths[["patient_id", "date_of_death"]], on="patient_id")
    for column in ("start_date", "end_date"):
        regs[column] = pd.to_datetime(regs[column])
    covering = regs[
        (regs.start_date <= regs.date_of_death) & (regs.end_date.isna() | (regs.end_date >= regs.date_of_death))
    ]
    covering = covering.sort_values(["patient_id", "start_date"]).drop_duplicates("patient_id", keep="last")
    df = deaths.merge(covering[["patient_id", "practice_code", "pcn_code", "locality_code"]], on="patient_id")
    patients = pd.read_parquet(
        data / "patients.parquet", columns=["patient_id", "birth_month", "sex", "ethnicity", "imd_decile"]
    )
    df = df.merge(patients, on="patient_id")
    birth = pd.to_datetime(df.birth_month)
    age = df.date_of_death.dt.year - birth.dt.year - (df.date_of_death.dt.month < birth.dt.month)
    df["age_band"] = pd.cut(age, [-1, 64, 74, 84, 200], labels=["<65", "65-74", "75-84", "85+"]).astype(str)
    df["ethnic_group"] = df.ethnicity.map(ETHNIC).fillna("Unknown")
    df["imd_quintile"] = ((df.imd_decile + 1) // 2).astype("Int64").astype(str).replace("<NA>", "Unknown")
    df["icb_code"] = "ICB"

    def window_count(table: str, date_column: str, days: int, where=None) -> pd.Series:
        events = pd.read_parquet(data / f"{table}.parquet")
        if where is not None:
            events = events[where(events)]
        events = events[["patient_id", date_column]].merge(df[["patient_id", "date_of_death"]], on="patient_id")
        when = pd.to_datetime(events[date_column])
        inside = (when <= events.date_of_death) & (when > events.date_of_death - pd.Timedelta(days=days))
        return events[inside].groupby("patient_id").size()

    emergency = window_count("hospital_spells", "admission_date", 90, lambda t: t.admission_method == "emergency")
    df["admissions"] = df.patient_id.map(emergency).fillna(0)
    df["ae"] = df.patient_id.map(window_count("emergency_attendances", "arrival_date", 30)).fillna(0)
    df["hospice"] = df.patient_id.map(window_count("hospice_contacts", "contact_date", 365)).fillna(0) > 0
    register = pd.read_parquet(data / "register_snapshot.parquet").merge(
        df[["patient_id", "date_of_death"]], on="patient_id"
    )
    before = register.date_of_death

    def recorded(column: str) -> pd.Series:
        return pd.to_datetime(register[column]) < before

    flags = pd.DataFrame(
        {
            "patient_id": register.patient_id,
            "on_register": pd.to_datetime(register.date_added) < before,
            "acp": register.acp & recorded("acp_date"),
            "cpr": register.cpr_decision & recorded("cpr_decision_date"),
            "coordinator": register.coordinator & recorded("coordinator_date"),
        }
    )
    df = df.merge(flags, on="patient_id", how="left")
    for column in ("on_register", "acp", "cpr", "coordinator"):
        df[column] = df[column].astype("boolean").fillna(False).astype(bool)
    return df


NUMERATORS = {
    "deaths_in_hospital": lambda d: d.place_of_death == "hospital",
    "deaths_at_home": lambda d: d.place_of_death == "home",
    "deaths_in_care_home": lambda d: d.place_of_death == "care_home",
    "deaths_in_hospice": lambda d: d.place_of_death == "hospice",
    "deaths_elsewhere": lambda d: d.place_of_death == "other",
    "deaths_in_usual_place_of_residence": lambda d: d.place_of_death.isin(["home", "care_home"]),
    "emergency_admissions_3plus_last_90_days": lambda d: d.admissions >= 3,
    "emergency_admission_last_90_days": lambda d: d.admissions >= 1,
    "ae_attendance_last_30_days": lambda d: d.ae >= 1,
    "hospice_contact_last_year": lambda d: d.hospice,
    "on_register_before_death": lambda d: d.on_register,
    "acp_before_death": lambda d: d.acp,
    "respect_cpr_decision_before_death": lambda d: d.cpr,
    "named_coordinator_before_death": lambda d: d.coordinator,
}


def compute(data: Path, start: date, end: date) -> pd.DataFrame:
    """Every indicator above for every complete period, area level and breakdown, with Wilson 95% limits."""
    df = decedents(data)
    for name, rule in NUMERATORS.items():
        df[name] = rule(df).astype(int)
    frames = []
    for period in build_periods(start, end):
        in_period = df[
            (df.date_of_death >= pd.Timestamp(period.start)) & (df.date_of_death <= pd.Timestamp(period.end))
        ]
        for area_type, area_column in AREAS.items():
            for breakdown in [None, *BREAKDOWNS]:
                keys = [area_column] if breakdown is None else [area_column, breakdown]
                grouped = in_period.groupby(keys)[list(NUMERATORS)].agg(["sum", "count"])
                long = grouped.stack(level=0, future_stack=True).reset_index()
                long["period_type"], long["period"], long["area_type"] = period.period_type, period.period, area_type
                long["breakdown"] = breakdown or "all"
                renamed = {area_column: "area_code", f"level_{len(keys)}": "indicator_id"}
                if breakdown:
                    renamed[breakdown] = "breakdown_value"
                frames.append(long.rename(columns=renamed))
    result = pd.concat(frames, ignore_index=True)
    lower, upper = wilson_interval(result["sum"].to_numpy(float), result["count"].to_numpy(float), CONFIDENCE_95)
    result["value"] = result["sum"] / result["count"] * 100
    result["lower_95"], result["upper_95"] = lower * 100, upper * 100
    return result


if __name__ == "__main__":
    import sys

    out = compute(Path(sys.argv[1]), date(2019, 1, 1), date(2023, 12, 31))
    print(out.shape)
    print(out.head())
    print(np.unique(out["area_type"]))
