"""The code lists and weights identification uses, read from the packaged reference files.

Every list is a CSV under ``peolc/reference/codelists/`` (code, term, system, group, source, version) or one of the
published weight tables beside it (HFRS, Charlson Quan). ICD-10 entries are prefixes without the dot: a 3-character
entry matches the whole category, a 4-character entry one subdivision.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ibis
import pyarrow as pa

from peolc import reference
from peolc.analytics.contract import outputs as outputs_contract

CODELISTS = (
    "palliative_care",
    "acp_dnacpr_respect",
    "care_home",
    "frailty_assessment",
    "advanced_disease",
    "frailty_deficits",
    "weight_loss",
)
SNOMED, ICD10 = "SNOMED CT", "ICD-10"

# Advanced disease groups (SPICT disease-specific indicators), in the order they appear in outputs: the output
# contract's vocabulary, declared once there.
DISEASE_GROUPS = outputs_contract.DISEASE_GROUPS
DISEASE_LABELS = {
    "cancer": "Cancer",
    "metastatic_cancer": "Metastatic cancer",
    "heart_failure": "Heart failure",
    "copd": "COPD / chronic respiratory failure",
    "ckd_4_5": "CKD stage 4-5 or dialysis",
    "liver": "Liver disease",
    "neurological": "Neurodegenerative disease",
    "dementia": "Dementia",
}
# The eFI (Clegg et al. 2016) has 36 deficits; the denominator stays 36 so the fraction reads like an eFI.
EFI_DEFICITS_TOTAL = 36
FRAILTY_SEVERITY = {"mild": 1, "moderate": 2, "severe": 3}
# The standard Charlson hierarchy: when both are present only the more severe condition counts.
CHARLSON_HIERARCHY = {"mld": "msld", "diab": "diabwc", "canc": "metacanc"}


@dataclass(frozen=True)
class CodeRow:
    """One code of a code list."""

    code: str
    term: str
    system: str
    group: str
    source: str
    version: str


@cache
def codelist(name: str) -> tuple[CodeRow, ...]:
    """The rows of ``codelists/<name>.csv``."""
    return tuple(CodeRow(**row) for row in reference.rows(f"codelists/{name}.csv"))


def codes(name: str, system: str, groups: tuple[str, ...] | None = None) -> pa.Table:
    """(code, group, term) rows of one coding system from a code list, as an Arrow table."""
    rows = [r for r in codelist(name) if r.system == system and (groups is None or r.group in groups)]
    return pa.table({"code": [r.code for r in rows], "group": [r.group for r in rows], "term": [r.term for r in rows]})


@cache
def hfrs_points() -> dict[str, float]:
    """HFRS points by 3-character ICD-10 category (Gilbert et al. 2018, 109 codes)."""
    return {r["icd10_code"]: float(r["hfrs_points"]) for r in reference.rows("hfrs_icd10.csv")}


@cache
def charlson_prefixes() -> tuple[tuple[str, str], ...]:
    """(ICD-10 prefix, condition key) pairs of the Quan 2005 Charlson coding."""
    return tuple((r["icd10_prefix"], r["condition_key"]) for r in reference.rows("charlson_icd10_quan.csv"))


@cache
def charlson_weights() -> dict[str, int]:
    """Quan 2011 weight of each Charlson condition."""
    return {r["condition_key"]: int(r["quan2011_weight"]) for r in reference.rows("charlson_icd10_quan.csv")}


@cache
def charlson_names() -> dict[str, str]:
    """Display name of each Charlson condition."""
    return {r["condition_key"]: r["condition"] for r in reference.rows("charlson_icd10_quan.csv")}


def memtable(data: pa.Table) -> ibis.Table:
    """A code table as an Ibis in-memory table (it runs on whichever backend executes the expression)."""
    return ibis.memtable(data)
