"""The codes the generator writes, each taken from a packaged reference list so downstream identification finds them.

SNOMED CT and dm+d codes come from ``peolc/reference/palliative_snomed_codelists``; ICD-10 causes are chosen so that
the palliative-need groups (Etkind 2017), the Hospital Frailty Risk Score and Charlson lists recognise them.
``tests/unit/synthetic/test_codes.py`` checks every code against those files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from peolc import reference

# Trajectory groups (Lunney et al.): the shape of decline before death.
CANCER, ORGAN_FAILURE, FRAILTY, SUDDEN = 0, 1, 2, 3
GROUP_NAMES = ("cancer", "organ_failure", "frailty_dementia", "sudden")

# Chronic conditions a person can live with; each drives GP codes and admissions.
CONDITIONS = ("cancer", "heart_failure", "copd", "renal", "liver", "dementia", "frailty", "neurological")
COND = {name: i for i, name in enumerate(CONDITIONS)}


@dataclass(frozen=True)
class Cause:
    """One underlying cause of death: its trajectory group, the chronic condition behind it and its codes."""

    icd10: str
    group: int
    condition: str | None
    snomed: str | None
    weight_under_65: float
    weight_65_plus: float
    sex: str | None = None
    deprivation_slope: float = 0.0


# Weights are relative within a group; they approximate the mix of ONS underlying causes for England.
CAUSES: tuple[Cause, ...] = (
    Cause("C349", CANCER, "cancer", "93880001", 20, 21, deprivation_slope=0.08),
    Cause("C189", CANCER, "cancer", "363406005", 9, 10),
    Cause("C20X", CANCER, "cancer", "93984006", 4, 3),
    Cause("C509", CANCER, "cancer", "254837009", 16, 6, sex="female"),
    Cause("C61X", CANCER, "cancer", "93974005", 3, 9, sex="male"),
    Cause("C259", CANCER, "cancer", "372003004", 6, 6),
    Cause("C169", CANCER, "cancer", "372014001", 3, 3, deprivation_slope=0.04),
    Cause("C679", CANCER, "cancer", "93689003", 1, 3),
    Cause("C719", CANCER, "cancer", "93727008", 6, 2),
    Cause("C64X", CANCER, "cancer", "93849006", 2, 2),
    Cause("C56X", CANCER, "cancer", "93934004", 5, 3, sex="female"),
    Cause("C900", CANCER, "cancer", "109989006", 2, 2),
    Cause("C859", CANCER, "cancer", "118601006", 3, 3),
    Cause("C220", CANCER, "cancer", "187769009", 3, 3, deprivation_slope=0.05),
    Cause("I500", ORGAN_FAILURE, "heart_failure", "42343007", 22, 40),
    Cause("I110", ORGAN_FAILURE, "heart_failure", "84114007", 3, 5),
    Cause("J449", ORGAN_FAILURE, "copd", "13645005", 25, 32, deprivation_slope=0.12),
    Cause("J439", ORGAN_FAILURE, "copd", "135836000", 3, 5, deprivation_slope=0.12),
    Cause("N185", ORGAN_FAILURE, "renal", "433146000", 8, 10),
    Cause("N184", ORGAN_FAILURE, "renal", "431857002", 2, 4),
    Cause("K703", ORGAN_FAILURE, "liver", None, 25, 3, deprivation_slope=0.15),
    Cause("K746", ORGAN_FAILURE, "liver", None, 10, 3, deprivation_slope=0.08),
    Cause("F03X", FRAILTY, "dementia", "52448006", 2, 30),
    Cause("G309", FRAILTY, "dementia", "26929004", 3, 22),
    Cause("F019", FRAILTY, "dementia", "429998004", 1, 12),
    Cause("R54X", FRAILTY, "frailty", None, 0, 22),
    Cause("G20X", FRAILTY, "neurological", None, 6, 6),
    Cause("G122", FRAILTY, "neurological", None, 10, 2),
    Cause("I219", SUDDEN, None, None, 14, 18),
    Cause("I251", SUDDEN, None, None, 18, 24, deprivation_slope=0.06),
    Cause("I639", SUDDEN, None, None, 5, 14),
    Cause("I619", SUDDEN, None, None, 5, 5),
    Cause("J189", SUDDEN, None, None, 4, 18),
    Cause("W19X", SUDDEN, None, None, 2, 6),
    Cause("X420", SUDDEN, None, None, 16, 0.5, deprivation_slope=0.2),
    Cause("X700", SUDDEN, None, None, 14, 0.5, deprivation_slope=0.08),
    Cause("V892", SUDDEN, None, None, 10, 1),
    Cause("U071", SUDDEN, None, None, 4, 8, deprivation_slope=0.08),
)

CAUSE_ICD10 = tuple(c.icd10 for c in CAUSES)

# Contributing causes on the death certificate, by trajectory group.
CONTRIBUTING: dict[int, tuple[str, ...]] = {
    CANCER: ("C787", "C795", "J189", "R64X", "I269"),
    ORGAN_FAILURE: ("I48X", "I10X", "E119", "J189", "N179", "J960"),
    FRAILTY: ("J189", "R54X", "N390", "I10X", "E86X", "F03X"),
    SUDDEN: ("I10X", "E119", "I48X", "E785", "I251"),
}

# ICD-10 codes by chronic condition, for secondary diagnoses and condition-related admissions.
CONDITION_ICD10: dict[str, tuple[str, ...]] = {
    "cancer": ("C349", "C189", "C509", "C61X", "C259", "C787"),
    "heart_failure": ("I500", "I509", "I110"),
    "copd": ("J441", "J440", "J449"),
    "renal": ("N185", "N184", "N179"),
    "liver": ("K703", "K746", "R18X"),
    "dementia": ("F03X", "G309", "F059"),
    "frailty": ("R296", "R54X", "W19X"),
    "neurological": ("G20X", "G122", "R13X"),
}

# Admission diagnoses for people without a relevant chronic condition.
GENERAL_EMERGENCY = (
    ("R074", 8),
    ("R104", 7),
    ("J189", 6),
    ("N390", 5),
    ("S720", 3),
    ("K802", 3),
    ("R55X", 3),
    ("J22X", 4),
    ("A099", 3),
    ("L031", 3),
    ("I489", 3),
    ("I219", 2),
    ("I639", 2),
    ("K359", 2),
    ("E86X", 1),
    ("A419", 2),
    ("F059", 1),
    ("J690", 1),
    ("S060", 1),
    ("T814", 1),
)
ELECTIVE = (
    ("H251", 8),
    ("M171", 5),
    ("M161", 3),
    ("K409", 4),
    ("K802", 4),
    ("N400", 3),
    ("K573", 3),
    ("D126", 4),
    ("Z098", 4),
    ("R195", 2),
    ("M233", 2),
    ("N811", 1),
)
CHEMOTHERAPY = "Z511"

# SNOMED CT diagnosis codes for survivors with a condition (the cause table supplies them for decedents).
CONDITION_SNOMED: dict[str, tuple[str, ...]] = {
    "cancer": ("93880001", "363406005", "254837009", "93974005", "93984006", "93689003", "118601006"),
    "heart_failure": ("84114007", "42343007", "703272007", "446221000"),
    "copd": ("13645005", "185086009", "135836000"),
    "renal": ("433144002", "431857002", "433146000"),
    "dementia": ("52448006", "26929004", "429998004", "15662003"),
    "frailty": ("925791000000100", "925831000000107", "925861000000102"),
}
FRAILTY_MILD, FRAILTY_MODERATE, FRAILTY_SEVERE = CONDITION_SNOMED["frailty"]

# Palliative care and coordination codes (QOF PALCARE_COD and the care plan, MDT and hospice lists).
ON_REGISTER = ("526631000000108", "414937009")
GSF_STAGE = {"months": "845721000000108", "weeks": "845751000000103", "days": "845771000000107"}
ACP_CODES = ("1095151000000107", "713603004", "714748000")
CPR_DECISION = "1089601000000103"
COORDINATOR_CODES = ("719240009", "1034241000000106", "719238004")
CARER_DISCUSSION = "922261000000109"
ANTICIPATORY_PRESCRIBED = "871021000000106"
LAST_DAYS, LAST_WEEKS, LAST_MONTHS = "511401000000102", "955231000000109", "968211000000101"
REFERRAL_PALLIATIVE = ("306237005", "25411000000109")
GSF_MDT = "1097791000000105"
DS1500 = "514591000000108"
PCPSS = "902471000000105"
PALLIATIVE_PHASE = "1092801000000106"
REFERRAL_HOSPICE = "152150009"
DISTRICT_NURSE_VISIT = "185469009"
CARE_HOME_CODES = ("160734000", "160737007")

# Which reference list each SNOMED code above comes from (checked by the tests).
SNOMED_SOURCES: dict[str, tuple[str, ...]] = {
    "palcare_cod": (
        *ON_REGISTER,
        *GSF_STAGE.values(),
        "1095151000000107",
        "719240009",
        "1034241000000106",
        "719238004",
        ANTICIPATORY_PRESCRIBED,
        LAST_DAYS,
        LAST_WEEKS,
        LAST_MONTHS,
        "306237005",
        "25411000000109",
        DS1500,
        PCPSS,
        PALLIATIVE_PHASE,
    ),
    "care_plan_palcare": ("713603004", "714748000", CPR_DECISION, CARER_DISCUSSION),
    "multidisciplinary_team": (GSF_MDT,),
    "hospice_mentions": (REFERRAL_HOSPICE,),
    "community_nursing": (DISTRICT_NURSE_VISIT,),
    "longres_care_home": CARE_HOME_CODES,
    "hf_cod": CONDITION_SNOMED["heart_failure"],
    "copd_cod": CONDITION_SNOMED["copd"],
    "ckd_cod": CONDITION_SNOMED["renal"],
    "dem_cod": CONDITION_SNOMED["dementia"],
    "mildfrail_cod": (FRAILTY_MILD,),
    "modfrail_cod": (FRAILTY_MODERATE,),
    "sevfrail_cod": (FRAILTY_SEVERE,),
    "c19can_cod": (
        "93880001",
        "363406005",
        "254837009",
        "93974005",
        "93984006",
        "93689003",
        "372003004",
        "372014001",
        "93727008",
        "93849006",
        "93934004",
        "187769009",
    ),
    "c19haemcan_cod": ("109989006", "118601006"),
}

# Anticipatory ("just in case") injectable medicines: one product per drug, from the dm+d lists.
ANTICIPATORY_LISTS = ("dmd_midazolam", "dmd_morphine_sc", "dmd_levomepromazine_sc", "dmd_hyoscine_butylbromide_sc")
ALTERNATIVE_LISTS = ("dmd_oxycodone_sc", "dmd_haloperidol_sc", "dmd_glycopyrronium_sc")


@cache
def anticipatory_products() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(usual pack, alternatives): the first listed dm+d product of each anticipatory drug."""
    usual = tuple(next(iter(reference.codelist(name))) for name in ANTICIPATORY_LISTS)
    alternatives = tuple(next(iter(reference.codelist(name))) for name in ALTERNATIVE_LISTS)
    return usual, alternatives


@cache
def hfrs_codes() -> tuple[tuple[str, ...], np.ndarray]:
    """HFRS ICD-10 categories with sampling weights: how common each is among frail older people (Gilbert 2018)."""
    rows = reference.rows("hfrs_icd10.csv")
    codes = tuple(r["icd10_code"] for r in rows)
    weights = np.array([float(r["pct_frail_group"].rstrip("%")) for r in rows])
    return codes, weights / weights.sum()


@cache
def charlson_codes() -> tuple[str, ...]:
    """Three- or four-character Charlson (Quan) prefixes used as comorbidity codes for younger people."""
    wanted = ("I252", "I50", "I70", "I64", "J44", "E119", "E109", "N18", "K74", "C349", "M05", "K25", "F03")
    known = {r["icd10_prefix"] for r in reference.rows("charlson_icd10_quan.csv")}
    return tuple(code for code in wanted if code in known)
