"""The identification features in plain pandas, as a competent analyst would write them: read the Parquet files,
filter by date, merge with the code lists and group by person. Used only to time against the Ibis/DuckDB step.

It computes the numeric features and flags (not the evidence strings and reasons, which the Ibis step also builds,
so the comparison favours pandas).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from peolc.analytics.identification import codelists as cl
from peolc.analytics.identification.features import CONDITION_LOOKBACK_MONTHS, HFRS_LOOKBACK_MONTHS, months_before


def _codes(name: str, system: str, groups: tuple[str, ...] | None = None) -> pd.DataFrame:
    return cl.codes(name, system, groups).to_pandas()


def _match_icd10(dx: pd.DataFrame, codes: pd.DataFrame) -> pd.DataFrame:
    codes = codes.assign(n=codes.code.str.len())
    three = dx.merge(codes[codes.n == 3][["code", "group"]], left_on="code3", right_on="code", suffixes=("", "_list"))
    four = dx.merge(codes[codes.n == 4][["code", "group"]], left_on="code4", right_on="code", suffixes=("", "_list"))
    return pd.concat([three, four], ignore_index=True)


def features(data: Path, index: date) -> pd.DataFrame:
    """One row per person alive and registered on ``index`` with the identification features."""
    ts = pd.Timestamp(index)
    since = {m: pd.Timestamp(months_before(index, m)) for m in (6, 12, HFRS_LOOKBACK_MONTHS, CONDITION_LOOKBACK_MONTHS)}

    def read(name: str, columns: list[str]) -> pd.DataFrame:
        return pd.read_parquet(data / f"{name}.parquet", columns=columns)

    reg = read(
        "practice_registrations",
        ["registration_id", "patient_id", "practice_code", "pcn_code", "locality_code", "start_date", "end_date"],
    )
    for column in ("start_date", "end_date"):
        reg[column] = pd.to_datetime(reg[column])
    reg = reg[(reg.start_date <= ts) & (reg.end_date.isna() | (reg.end_date >= ts))]
    reg = reg.sort_values(["start_date", "registration_id"]).drop_duplicates("patient_id", keep="last")
    deaths = read("deaths", ["patient_id", "date_of_death"])
    dead = deaths.loc[pd.to_datetime(deaths.date_of_death) <= ts, "patient_id"]
    people = reg[~reg.patient_id.isin(dead)]
    patients = read("patients", ["patient_id", "birth_month", "sex"])
    out = people.merge(patients, on="patient_id")
    birth = pd.to_datetime(out.birth_month)
    out["age"] = index.year - birth.dt.year - (index.month < birth.dt.month).astype(int)
    out = out[["patient_id", "practice_code", "pcn_code", "locality_code", "sex", "age"]].set_index("patient_id")

    spells = read(
        "hospital_spells",
        ["patient_id", "admission_date", "admission_method", "primary_diagnosis", "secondary_diagnoses"],
    )
    spells["admission_date"] = pd.to_datetime(spells.admission_date)
    spells = spells[(spells.admission_date > since[CONDITION_LOOKBACK_MONTHS]) & (spells.admission_date <= ts)]
    primary = spells[["patient_id", "admission_date", "primary_diagnosis"]].rename(
        columns={"primary_diagnosis": "code"}
    )
    secondary = spells[["patient_id", "admission_date", "secondary_diagnoses"]].explode("secondary_diagnoses")
    secondary = secondary.dropna().rename(columns={"secondary_diagnoses": "code"})
    dx = pd.concat([primary, secondary], ignore_index=True)
    dx["code"] = dx.code.str.upper().str.replace(".", "", regex=False).str.strip()
    dx["code3"], dx["code4"] = dx.code.str[:3], dx.code.str[:4]

    points = pd.Series(cl.hfrs_points(), name="points")
    hfrs = dx[dx.admission_date > since[HFRS_LOOKBACK_MONTHS]][["patient_id", "code3"]].drop_duplicates()
    hfrs = hfrs.join(points, on="code3", how="inner")
    out["hfrs"] = hfrs.groupby("patient_id").points.sum().round(1)

    charl = pd.DataFrame(cl.charlson_prefixes(), columns=["code", "group"])
    ch = _match_icd10(dx, charl)[["patient_id", "group"]].drop_duplicates()
    wide = pd.crosstab(ch.patient_id, ch.group).clip(upper=1)
    for mild, severe in cl.CHARLSON_HIERARCHY.items():
        if mild in wide and severe in wide:
            wide[mild] = wide[mild] * (1 - wide[severe])
    weights = pd.Series(cl.charlson_weights())
    out["charlson"] = (wide * weights.reindex(wide.columns).fillna(0)).sum(axis=1)

    emergency = spells[(spells.admission_method == "emergency") & (spells.admission_date > since[12])]
    out["emergency_admissions_12m"] = emergency.groupby("patient_id").size()
    out["emergency_admissions_6m"] = emergency[emergency.admission_date > since[6]].groupby("patient_id").size()
    ed = read("emergency_attendances", ["patient_id", "arrival_date"])
    ed = ed[(pd.to_datetime(ed.arrival_date) > since[12]) & (pd.to_datetime(ed.arrival_date) <= ts)]
    out["ed_attendances_12m"] = ed.groupby("patient_id").size()

    gp_all = read("gp_events", ["patient_id", "event_date", "snomed_code"])
    gp_all["event_date"] = pd.to_datetime(gp_all.event_date)
    gp_all = gp_all[gp_all.event_date <= ts]
    gp = gp_all[gp_all.event_date > since[CONDITION_LOOKBACK_MONTHS]]

    def gp_match(frame: pd.DataFrame, name: str) -> pd.DataFrame:
        return frame.merge(_codes(name, cl.SNOMED), left_on="snomed_code", right_on="code")

    disease = pd.concat(
        [
            gp_match(gp, "advanced_disease")[["patient_id", "group"]],
            _match_icd10(dx, _codes("advanced_disease", cl.ICD10))[["patient_id", "group"]],
        ]
    ).drop_duplicates()
    flags = pd.crosstab(disease.patient_id, disease.group).clip(upper=1)
    for group in cl.DISEASE_GROUPS:
        out[f"dx_{group}"] = flags.get(group, 0)
    deficits = pd.concat(
        [
            gp_match(gp, "frailty_deficits")[["patient_id", "group"]],
            _match_icd10(dx, _codes("frailty_deficits", cl.ICD10))[["patient_id", "group"]],
        ]
    ).drop_duplicates()
    out["efi_deficits"] = deficits.groupby("patient_id").size()

    frail = gp_match(gp, "frailty_assessment").sort_values(["event_date", "code"], ascending=[True, False])
    latest = frail.drop_duplicates("patient_id", keep="last").set_index("patient_id")
    out["frailty_severity"] = latest.group.map(cl.FRAILTY_SEVERITY)

    res = read("care_home_residency", ["patient_id", "start_date", "end_date"])
    res = res[(pd.to_datetime(res.start_date) <= ts) & (res.end_date.isna() | (pd.to_datetime(res.end_date) >= ts))]
    home_gp = gp_match(gp[gp.event_date > since[12]], "care_home")
    out["care_home"] = out.index.isin(res.patient_id) | out.index.isin(home_gp.patient_id)

    recent = dx[dx.admission_date > since[12]]
    out["weight_loss"] = out.index.isin(_match_icd10(recent, _codes("weight_loss", cl.ICD10)).patient_id)
    falls = _match_icd10(recent, _codes("frailty_deficits", cl.ICD10, ("falls", "mobility_and_transfer_problems")))
    severe = frail[(frail.event_date > since[12]) & frail.group.isin(["moderate", "severe"])]
    out["declining_function"] = out.index.isin(falls.patient_id) | out.index.isin(severe.patient_id)
    out["palliative_code"] = out.index.isin(gp_match(gp_all, "palliative_care").patient_id)
    plans = gp_match(gp_all, "acp_dnacpr_respect")
    out["acp_coded"] = out.index.isin(plans[plans.group == "advance_care_plan"].patient_id)

    cc = read("community_contacts", ["patient_id", "contact_date"])
    cc = cc[(pd.to_datetime(cc.contact_date) > since[12]) & (pd.to_datetime(cc.contact_date) <= ts)]
    out["community_contacts_12m"] = cc.groupby("patient_id").size()
    register = read("register_snapshot", ["patient_id", "date_added", "date_removed"])
    on = register[
        (pd.to_datetime(register.date_added) <= ts)
        & (register.date_removed.isna() | (pd.to_datetime(register.date_removed) > ts))
    ]
    out["on_register"] = out.index.isin(on.patient_id)

    counts = [
        "hfrs",
        "charlson",
        "emergency_admissions_12m",
        "emergency_admissions_6m",
        "ed_attendances_12m",
        "efi_deficits",
        "frailty_severity",
        "community_contacts_12m",
        *(f"dx_{g}" for g in cl.DISEASE_GROUPS),
    ]
    out[counts] = out[counts].fillna(0)
    out["unplanned_2_in_6m"] = out.emergency_admissions_6m >= 2
    out["disease_groups"] = out[[f"dx_{g}" for g in cl.DISEASE_GROUPS]].sum(axis=1).astype(np.int32)
    return out.reset_index()
