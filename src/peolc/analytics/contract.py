"""The linked dataset contract: every table and column an ICS supplies to peolc, and a validator for it.

An integrated care system maps its own extracts (GP, SUS APC and ECDS, community, hospice, care homes, ONS deaths) to
these tables once; the synthetic generator writes exactly the same shape. The contract is data, so the
documentation (``docs/data-contract.md``) and the validator are both generated from it.

The validator reads a directory of ``<table>.parquet`` (or ``<table>.csv``) files with PyArrow, never writes
anything, and reports each problem with its table, column and first offending rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from peolc import nhs_number

# Logical column types and the Arrow type written for each.
ARROW_TYPES: dict[str, pa.DataType] = {
    "int64": pa.int64(),
    "int32": pa.int32(),
    "int16": pa.int16(),
    "float64": pa.float64(),
    "string": pa.string(),
    "date": pa.date32(),
    "bool": pa.bool_(),
    "list<string>": pa.list_(pa.string()),
}

ORGANISATION_TYPES = (
    "icb",
    "locality",
    "pcn",
    "gp_practice",
    "acute_trust",
    "community_provider",
    "hospice",
    "care_home",
    "urgent_care",
    "ambulance_service",
    "pharmacy",
    "local_authority",
)
# NHS Data Dictionary ethnic category codes: the 16 ONS 2001 census groups and Z (not stated).
ETHNIC_CATEGORIES = ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "Z")
ETHNIC_CATEGORY_NAMES = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other Ethnic Groups - Chinese",
    "S": "Other Ethnic Groups - Any other ethnic group",
    "Z": "Not stated",
}
SEXES = ("female", "male", "unknown")
PLACES_OF_DEATH = ("hospital", "home", "care_home", "hospice", "other")
PREFERRED_PLACES = ("hospital", "home", "care_home", "hospice", "other", "undecided")
ADMISSION_METHODS = ("emergency", "elective", "other")
DISCHARGE_METHODS = ("discharged", "died", "transferred")
ARRIVAL_MODES = ("ambulance", "walk_in", "other")
ED_DISPOSALS = ("admitted", "discharged", "referred", "left_before_treatment", "died")
COMMUNITY_SERVICES = ("district_nursing", "community_palliative_care", "community_matron", "therapy")
CONTACT_MODES = ("face_to_face", "telephone", "video")
HOSPICE_SETTINGS = ("inpatient", "day_therapy", "outpatient", "hospice_at_home", "telephone")
RESIDENCY_END_REASONS = ("died", "moved_out", "moved_to_other_care_home")
REGISTRATION_END_REASONS = ("died", "left_area", "changed_practice")
PROGNOSIS_CATEGORIES = ("years", "months", "weeks", "days", "unknown")
DIAGNOSIS_GROUPS = (
    "cancer",
    "heart_failure",
    "copd",
    "renal",
    "liver",
    "dementia",
    "frailty",
    "neurological",
    "other",
)

# ---------------------------------------------------------------------------------------------------------------
# Value checks. Each takes the distinct non-null values of a column and returns those that are invalid.

_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z]([0-9X][0-9A-Z]?)?$")
_ODS = re.compile(r"^[A-Z0-9]{3,6}$")
_LSOA = re.compile(r"^[EW]01[0-9]{6}$")
_POSTCODE = re.compile(r"^[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? [0-9][ABD-HJLNP-UW-Z]{2}$")
_SCTID = re.compile(r"^[1-9][0-9]{5,17}$")

_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Verhoeff check digit (as in every SNOMED CT identifier)."""
    check = 0
    for position, digit in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(digit)]]
    return check == 0


def _regex_check(pattern: re.Pattern[str]) -> Callable[[list[str]], list[str]]:
    def check(values: list[str]) -> list[str]:
        return [v for v in values if not pattern.match(v)]

    return check


def _sctid_check(values: list[str]) -> list[str]:
    # SNOMED CT and dm+d identifiers share the SCTID format: 6-18 digits ending in a Verhoeff check digit.
    return [v for v in values if not (_SCTID.match(v) and verhoeff_valid(v))]


def _nhs_number_check(values: list[str]) -> list[str]:
    return [v for v in values if len(v) != 10 or not nhs_number.is_valid(v)]


VALUE_CHECKS: dict[str, Callable[[list[str]], list[str]]] = {
    "SNOMED CT": _sctid_check,
    "dm+d": _sctid_check,
    "ICD-10": _regex_check(_ICD10),
    "ODS": _regex_check(_ODS),
    "LSOA": _regex_check(_LSOA),
    "postcode": _regex_check(_POSTCODE),
    "NHS number": _nhs_number_check,
}


# ---------------------------------------------------------------------------------------------------------------
# The contract.


@dataclass(frozen=True)
class Column:
    """One column: its logical type, whether it may be null, what it means and how it is coded."""

    name: str
    type: str
    description: str
    nullable: bool = False
    coding: str | None = None
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    references: str | None = None
    org_types: tuple[str, ...] | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow type the generator writes for this column."""
        return ARROW_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    """One table of the linked dataset."""

    name: str
    description: str
    source: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    required: bool = True
    # Date columns that must not fall after the person's date of death.
    dates_not_after_death: tuple[str, ...] = ()
    # (earlier, later) pairs of date columns in the same row.
    date_order: tuple[tuple[str, str], ...] = ()

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema of the table."""
        return pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.columns])

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _patient_id(description: str = "Pseudonymous person identifier; joins every person-level table.") -> Column:
    return Column("patient_id", "int64", description, references="patients.patient_id")


def _organisation(name: str, description: str, org_types: tuple[str, ...], *, nullable: bool = False) -> Column:
    """A column holding an organisation's code, which must be in ``organisations`` and of one of ``org_types``."""
    return Column(
        name,
        "string",
        description,
        nullable=nullable,
        coding="ODS",
        references="organisations.code",
        org_types=org_types,
    )


_PRACTICE = ("gp_practice",)

TABLES: tuple[Table, ...] = (
    Table(
        "organisations",
        "Every organisation the platform refers to: the one source of practices, PCNs, localities, trusts, "
        "hospices and care homes for every pipeline output and page.",
        "ODS extract or the ICS's own organisation list",
        (
            Column("code", "string", "Organisation code, ODS-style (unique).", coding="ODS"),
            Column("type", "string", "Kind of organisation.", allowed=ORGANISATION_TYPES),
            Column("name", "string", "Display name."),
            Column(
                "parent_code",
                "string",
                "Code of the parent organisation (locality for a PCN, PCN for a practice, ICB for a locality or "
                "provider); null only for the ICB.",
                nullable=True,
                coding="ODS",
                references="organisations.code",
            ),
            _organisation(
                "locality_code",
                "Code of the locality the organisation sits in; null for the ICB and ICS-wide providers.",
                ("locality",),
                nullable=True,
            ),
            Column("postcode", "string", "Postcode of the main site.", nullable=True, coding="postcode"),
            Column(
                "capacity",
                "int32",
                "Beds for care homes and hospices; null otherwise.",
                nullable=True,
                minimum=0,
            ),
        ),
        primary_key=("code",),
    ),
    Table(
        "postcodes",
        "Postcode centroids and the LSOA each postcode lies in, for the directory's postcode search and gap map. "
        "An ICS loads the ONS Postcode Directory (NSPL/ONSPD); the synthetic ICS's postcodes and coordinates are "
        "made up and belong to no real place.",
        "ONS Postcode Directory or National Statistics Postcode Lookup (pcds, lsoa11/lsoa21, lat, long)",
        (
            Column("postcode", "string", "Postcode (unique).", coding="postcode"),
            Column("lsoa_code", "string", "LSOA the postcode lies in.", coding="LSOA"),
            Column("latitude", "float64", "Latitude of the postcode centroid (WGS84).", minimum=49.0, maximum=61.0),
            Column("longitude", "float64", "Longitude of the postcode centroid (WGS84).", minimum=-9.0, maximum=2.0),
        ),
        primary_key=("postcode",),
        required=False,
    ),
    Table(
        "patients",
        "One row per person ever registered with a practice in the ICS during the extract period.",
        "GP registration extract with the residence LSOA",
        (
            _patient_id("Pseudonymous person identifier (unique)."),
            Column("birth_month", "date", "First day of the month of birth (day withheld)."),
            Column("sex", "string", "Sex as recorded.", allowed=SEXES),
            Column(
                "ethnicity",
                "string",
                "Ethnic category, NHS Data Dictionary code for the 16 ONS 2001 groups, Z = not stated.",
                coding="NHS Data Dictionary ethnic category",
                allowed=ETHNIC_CATEGORIES,
            ),
            Column(
                "lsoa_code",
                "string",
                "Lower layer super output area of residence (ONS GSS code E01…/W01…).",
                coding="LSOA",
                nullable=True,
            ),
            Column(
                "lsoa_year",
                "int16",
                "Boundary vintage of lsoa_code: 2011 or 2021.",
                nullable=True,
                minimum=2011,
                maximum=2021,
            ),
            Column(
                "imd_decile",
                "int16",
                "English IMD 2019 decile of the LSOA (1 = most deprived 10%).",
                nullable=True,
                minimum=1,
                maximum=10,
                coding="IMD 2019",
            ),
        ),
        primary_key=("patient_id",),
    ),
    Table(
        "identifiers",
        "Pseudonymous id to NHS number, kept apart: analytics never read it; only the web app's "
        "re-identification step does, for users with a legitimate relationship.",
        "Pseudonymisation service",
        (
            _patient_id("Pseudonymous person identifier (unique)."),
            Column(
                "nhs_number",
                "string",
                "NHS number, 10 digits without spaces, modulus 11 valid (unique).",
                coding="NHS number",
            ),
        ),
        primary_key=("patient_id",),
        required=False,
    ),
    Table(
        "practice_registrations",
        "Periods of registration with a GP practice; a person who changes practice has several rows.",
        "GP registration extract",
        (
            Column("registration_id", "int64", "Row identifier (unique)."),
            _patient_id(),
            _organisation("practice_code", "GP practice.", _PRACTICE),
            _organisation("pcn_code", "Primary care network of the practice.", ("pcn",)),
            _organisation("locality_code", "Locality of the practice.", ("locality",)),
            Column("start_date", "date", "First day of registration."),
            Column("end_date", "date", "Last day of registration; null while registered.", nullable=True),
            Column(
                "end_reason",
                "string",
                "Why the registration ended; null while registered.",
                nullable=True,
                allowed=REGISTRATION_END_REASONS,
            ),
        ),
        primary_key=("registration_id",),
        dates_not_after_death=("start_date", "end_date"),
        date_order=(("start_date", "end_date"),),
    ),
    Table(
        "deaths",
        "Registered deaths (ONS civil registration).",
        "ONS deaths linked by NHS number",
        (
            _patient_id("Pseudonymous person identifier (unique: one death per person)."),
            Column("date_of_death", "date", "Date of death."),
            Column("place_of_death", "string", "Place of death category.", allowed=PLACES_OF_DEATH),
            _organisation(
                "place_of_death_code",
                "Organisation where death occurred (hospital trust, hospice, care home); null for home and other.",
                ("acute_trust", "hospice", "care_home"),
                nullable=True,
            ),
            Column("underlying_cause", "string", "Underlying cause of death.", coding="ICD-10"),
            Column(
                "contributing_causes",
                "list<string>",
                "Other conditions on the certificate (possibly empty).",
                coding="ICD-10",
            ),
        ),
        primary_key=("patient_id",),
    ),
    Table(
        "hospital_spells",
        "Admitted patient care spells (SUS APC).",
        "SUS+ admitted patient care",
        (
            Column("spell_id", "int64", "Spell identifier (unique)."),
            _patient_id(),
            _organisation("provider_code", "Provider trust.", ("acute_trust", "community_provider", "hospice")),
            Column("admission_date", "date", "Date of admission."),
            Column("discharge_date", "date", "Date of discharge; null if still in hospital at extract.", nullable=True),
            Column(
                "admission_method",
                "string",
                "Emergency, elective or other (maternity, transfer).",
                allowed=ADMISSION_METHODS,
            ),
            Column(
                "discharge_method",
                "string",
                "How the spell ended; null if ongoing.",
                nullable=True,
                allowed=DISCHARGE_METHODS,
            ),
            Column("primary_diagnosis", "string", "Primary diagnosis of the first episode.", coding="ICD-10"),
            Column("secondary_diagnoses", "list<string>", "Secondary diagnoses (possibly empty).", coding="ICD-10"),
        ),
        primary_key=("spell_id",),
        dates_not_after_death=("admission_date", "discharge_date"),
        date_order=(("admission_date", "discharge_date"),),
    ),
    Table(
        "emergency_attendances",
        "Emergency department attendances (ECDS).",
        "SUS+ Emergency Care Data Set",
        (
            Column("attendance_id", "int64", "Attendance identifier (unique)."),
            _patient_id(),
            _organisation("provider_code", "Provider trust.", ("acute_trust", "urgent_care")),
            Column("arrival_date", "date", "Date of arrival."),
            Column("arrival_mode", "string", "How the person arrived.", allowed=ARRIVAL_MODES),
            Column("disposal", "string", "Outcome of the attendance.", allowed=ED_DISPOSALS),
            Column(
                "spell_id",
                "int64",
                "Hospital spell that followed, if admitted.",
                nullable=True,
                references="hospital_spells.spell_id",
            ),
        ),
        primary_key=("attendance_id",),
        dates_not_after_death=("arrival_date",),
    ),
    Table(
        "gp_events",
        "Coded entries in the GP record (diagnoses, frailty, care plans, palliative care codes, observations).",
        "GP extract (e.g. GPES/GPDPR or the ICS's shared care record)",
        (
            _patient_id(),
            Column("event_date", "date", "Date the entry applies to."),
            Column("snomed_code", "string", "SNOMED CT concept identifier.", coding="SNOMED CT"),
            Column("value", "float64", "Numeric value where the code carries one (e.g. a score).", nullable=True),
            _organisation("practice_code", "Practice that recorded the entry.", _PRACTICE),
        ),
        dates_not_after_death=("event_date",),
    ),
    Table(
        "medications",
        "Prescriptions issued in primary care.",
        "GP extract (medication issues)",
        (
            _patient_id(),
            Column("issue_date", "date", "Date the prescription was issued."),
            Column("dmd_code", "string", "dm+d product (VMP/AMP) identifier.", coding="dm+d"),
            Column(
                "quantity", "float64", "Quantity issued, in the product's unit of measure.", nullable=True, minimum=0
            ),
        ),
        dates_not_after_death=("issue_date",),
    ),
    Table(
        "care_home_residency",
        "Periods of residence in a care home.",
        "Care home records, GP residential codes or address matching (UPRN)",
        (
            Column("residency_id", "int64", "Row identifier (unique)."),
            _patient_id(),
            _organisation("care_home_code", "Care home.", ("care_home",)),
            Column("start_date", "date", "First day of residence."),
            Column("end_date", "date", "Last day of residence; null if still resident.", nullable=True),
            Column(
                "end_reason",
                "string",
                "Why residence ended; null if still resident.",
                nullable=True,
                allowed=RESIDENCY_END_REASONS,
            ),
        ),
        primary_key=("residency_id",),
        dates_not_after_death=("start_date", "end_date"),
        date_order=(("start_date", "end_date"),),
    ),
    Table(
        "community_contacts",
        "Contacts with community health services (CSDS).",
        "Community Services Data Set",
        (
            Column("contact_id", "int64", "Contact identifier (unique)."),
            _patient_id(),
            _organisation("provider_code", "Community provider.", ("community_provider",)),
            Column("contact_date", "date", "Date of contact."),
            Column("service", "string", "Service seen.", allowed=COMMUNITY_SERVICES),
            Column("contact_mode", "string", "How the contact happened.", allowed=CONTACT_MODES),
        ),
        primary_key=("contact_id",),
        dates_not_after_death=("contact_date",),
    ),
    Table(
        "hospice_contacts",
        "Contacts with hospices (inpatient, day, outpatient, hospice at home, telephone).",
        "Hospice clinical systems",
        (
            Column("contact_id", "int64", "Contact identifier (unique)."),
            _patient_id(),
            _organisation("hospice_code", "Hospice.", ("hospice",)),
            Column("contact_date", "date", "Date of contact (admission date for inpatient stays)."),
            Column("setting", "string", "Setting of the contact.", allowed=HOSPICE_SETTINGS),
        ),
        primary_key=("contact_id",),
        dates_not_after_death=("contact_date",),
    ),
    Table(
        "register_snapshot",
        "Everyone ever on the palliative care (EPaCCS) register, one row per person, as at the extract date. "
        "The web register exports exactly this shape.",
        "peolc register export, or the practice palliative care (QOF PC001) register",
        (
            _patient_id("Pseudonymous person identifier (unique)."),
            _organisation("practice_code", "Practice holding the register entry.", _PRACTICE),
            Column("date_added", "date", "Date added to the register."),
            Column("date_removed", "date", "Date removed from the register or died; null while on it.", nullable=True),
            Column(
                "removal_reason",
                "string",
                "Why the entry ended; null while on the register.",
                nullable=True,
                allowed=("died", "no_longer_palliative", "left_practice"),
            ),
            Column(
                "prognosis",
                "string",
                "Expected prognosis when last reviewed (GSF categories).",
                allowed=PROGNOSIS_CATEGORIES,
            ),
            Column("diagnosis_group", "string", "Main diagnosis group.", allowed=DIAGNOSIS_GROUPS),
            Column("acp", "bool", "An advance care plan is recorded."),
            Column("acp_date", "date", "Date of the advance care plan.", nullable=True),
            Column(
                "preferred_place_of_death",
                "string",
                "Preferred place of death; null if not discussed.",
                nullable=True,
                allowed=PREFERRED_PLACES,
            ),
            Column("preferred_place_date", "date", "Date the preference was recorded.", nullable=True),
            Column("coordinator", "bool", "A named care coordinator is recorded."),
            Column("coordinator_date", "date", "Date the coordinator was recorded.", nullable=True),
            Column("carer", "bool", "The person has a carer recorded."),
            Column("carer_assessment_date", "date", "Date of the carer's assessment; null if none.", nullable=True),
            Column(
                "anticipatory_medicines_date", "date", "Date anticipatory medicines were prescribed.", nullable=True
            ),
            Column("cpr_decision", "bool", "A ReSPECT / CPR decision is recorded."),
            Column("cpr_decision_date", "date", "Date of the ReSPECT / CPR decision.", nullable=True),
        ),
        primary_key=("patient_id",),
        dates_not_after_death=(
            "date_added",
            "acp_date",
            "preferred_place_date",
            "coordinator_date",
            "carer_assessment_date",
            "anticipatory_medicines_date",
            "cpr_decision_date",
        ),
        date_order=(("date_added", "date_removed"),),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    """The contract table called ``name``."""
    return TABLES_BY_NAME[name]


# ---------------------------------------------------------------------------------------------------------------
# Validation.


@dataclass(frozen=True)
class Problem:
    """One way a file departs from the contract. Rows count from 1 (the first data row)."""

    table: str
    column: str | None
    message: str
    rows: tuple[int, ...] = ()
    count: int = 0
    severity: str = "error"

    def __str__(self) -> str:
        where = self.table if self.column is None else f"{self.table}.{self.column}"
        text = f"{self.severity.upper()} {where}: {self.message}"
        if self.count:
            text += f" ({self.count} row{'s' if self.count != 1 else ''}"
            if self.rows:
                text += "; first rows " + ", ".join(str(r) for r in self.rows)
            text += ")"
        return text


@dataclass
class ValidationReport:
    """The outcome of validating a directory: all problems found, and the row count of each table read."""

    problems: list[Problem] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings are allowed)."""
        return not any(p.severity == "error" for p in self.problems)


def _is_string_type(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _is_string_type(t.value_type)
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _type_matches(expected: str, actual: pa.DataType) -> bool:
    if expected in ("int64", "int32", "int16"):
        return pa.types.is_integer(actual)
    if expected == "float64":
        return pa.types.is_floating(actual) or pa.types.is_integer(actual)
    if expected == "string":
        return _is_string_type(actual)
    if expected == "date":
        return pa.types.is_date(actual)
    if expected == "bool":
        return pa.types.is_boolean(actual)
    if expected == "list<string>":
        return (pa.types.is_list(actual) or pa.types.is_large_list(actual)) and _is_string_type(actual.value_type)
    raise ValueError(f"unknown logical type {expected}")


def _first_rows(mask: pa.Array | pa.ChunkedArray, limit: int) -> tuple[tuple[int, ...], int]:
    """1-based row numbers where ``mask`` is true (nulls count as false), the first ``limit`` of them."""
    values = mask.to_numpy(zero_copy_only=False) if not isinstance(mask, np.ndarray) else mask
    values = np.asarray(values)
    if values.dtype == object:
        values = np.array([bool(v) for v in values])
    found = np.flatnonzero(values)
    return tuple(int(i) + 1 for i in found[:limit]), int(found.size)


def _plain(array: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(array.type):
        return array.cast(array.type.value_type)
    return array


def _read_csv(path: Path, spec: Table, problems: list[Problem], limit: int) -> pa.Table:
    """Read a CSV as strings, then cast each contract column, reporting values that will not cast."""
    raw = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={c.name: pa.string() for c in spec.columns},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    columns = {}
    for name in raw.column_names:
        values = raw.column(name)
        try:
            col = spec.column(name)
        except KeyError:
            columns[name] = values
            continue
        if col.type == "string":
            columns[name] = values
            continue
        if col.type == "list<string>":
            columns[name] = pc.split_pattern(values, ";")
            continue
        target = col.arrow_type
        try:
            columns[name] = pc.cast(values, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            bad = []
            for i, v in enumerate(values.to_pylist()):
                if v is None:
                    continue
                try:
                    pc.cast(pa.array([v]), target)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    bad.append(i)
            problems.append(
                Problem(spec.name, name, f"values that are not {col.type}", tuple(i + 1 for i in bad[:limit]), len(bad))
            )
            # Blank the bad values so the column's other checks still run.
            mask = np.zeros(len(values), dtype=bool)
            mask[bad] = True
            columns[name] = pc.cast(pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), values), target)
    return pa.table(columns)


def _find_file(directory: Path, name: str) -> Path | None:
    for candidate in (directory / f"{name}.parquet", directory / name, directory / f"{name}.csv"):
        if candidate.exists():
            return candidate
    return None


def _check_columns(spec: Table, data: pa.Table, problems: list[Problem], limit: int) -> set[str]:
    """Check presence, type, nulls, codes and ranges; return the names of columns usable for later checks."""
    usable: set[str] = set()
    present = set(data.column_names)
    for extra in sorted(present - {c.name for c in spec.columns}):
        problems.append(Problem(spec.name, extra, "column not in the contract (ignored)", severity="warning"))
    for col in spec.columns:
        if col.name not in present:
            problems.append(Problem(spec.name, col.name, f"missing column (expected {col.type})"))
            continue
        values = _plain(data.column(col.name))
        if not _type_matches(col.type, values.type):
            problems.append(Problem(spec.name, col.name, f"wrong type {values.type} (expected {col.type})"))
            continue
        usable.add(col.name)
        if not col.nullable and values.null_count:
            rows, count = _first_rows(pc.is_null(values), limit)
            problems.append(Problem(spec.name, col.name, "missing values in a required column", rows, count))
        scalar = pc.list_flatten(values) if col.type == "list<string>" else values
        if col.allowed is not None:
            distinct = pc.unique(scalar.drop_null()).to_pylist()
            invalid = sorted(v for v in distinct if v not in col.allowed)
            if invalid:
                _report_values(spec, col, values, invalid, "values outside the allowed set", problems, limit)
        if col.coding in VALUE_CHECKS:
            distinct = pc.unique(scalar.drop_null()).to_pylist()
            invalid = VALUE_CHECKS[col.coding](distinct)
            if invalid:
                _report_values(spec, col, values, invalid, f"invalid {col.coding} codes", problems, limit)
        if col.minimum is not None or col.maximum is not None:
            low = pc.less(values, col.minimum) if col.minimum is not None else None
            high = pc.greater(values, col.maximum) if col.maximum is not None else None
            mask = low if high is None else high if low is None else pc.or_(low, high)
            rows, count = _first_rows(mask, limit)
            if count:
                problems.append(
                    Problem(spec.name, col.name, f"values outside {col.minimum}–{col.maximum}", rows, count)
                )
    return usable


def _report_values(
    spec: Table,
    col: Column,
    values: pa.ChunkedArray,
    invalid: list[str],
    message: str,
    problems: list[Problem],
    limit: int,
) -> None:
    bad = pa.array(invalid, type=pa.string())
    if col.type == "list<string>":
        parents = pc.list_parent_indices(values)
        hits = pc.is_in(pc.list_flatten(values), value_set=bad)
        mask = np.zeros(len(values), dtype=bool)
        mask[parents.to_numpy()[hits.to_numpy(zero_copy_only=False)]] = True
    else:
        mask = pc.is_in(values, value_set=bad)
    rows, count = _first_rows(mask, limit)
    examples = ", ".join(repr(v) for v in invalid[:5])
    problems.append(Problem(spec.name, col.name, f"{message}: {examples}", rows, count))


def _check_unique(spec: Table, data: pa.Table, usable: set[str], problems: list[Problem], limit: int) -> None:
    if not spec.primary_key or not set(spec.primary_key) <= usable:
        return
    if len(spec.primary_key) != 1:
        raise NotImplementedError("composite keys are not used in the contract")
    key = spec.primary_key[0]
    values = _plain(data.column(key)).to_numpy(zero_copy_only=False)
    _, first_index, counts = np.unique(values, return_index=True, return_counts=True)
    if (counts > 1).any():
        mask = np.ones(len(values), dtype=bool)
        mask[first_index] = False
        rows, count = _first_rows(mask, limit)
        problems.append(Problem(spec.name, key, "duplicate key values", rows, count))


def _check_date_order(spec: Table, data: pa.Table, usable: set[str], problems: list[Problem], limit: int) -> None:
    for earlier, later in spec.date_order:
        if {earlier, later} <= usable:
            mask = pc.less(data.column(later), data.column(earlier))
            rows, count = _first_rows(mask, limit)
            if count:
                problems.append(Problem(spec.name, later, f"{later} is before {earlier}", rows, count))


@dataclass
class _Keys:
    """Values other tables are checked against, kept after each table is read and dropped."""

    patient_ids: pa.Array | None = None
    org_types: dict[str, str] = field(default_factory=dict)
    death_ids: np.ndarray | None = None
    death_days: np.ndarray | None = None
    spell_ids: pa.Array | None = None


def _check_references(
    spec: Table, data: pa.Table, usable: set[str], keys: _Keys, problems: list[Problem], limit: int
) -> None:
    for col in spec.columns:
        if col.references is None or col.name not in usable:
            continue
        values = _plain(data.column(col.name))
        if col.references == "patients.patient_id" and spec.name != "patients":
            if keys.patient_ids is None:
                continue
            mask = pc.and_(pc.invert(pc.is_in(values, value_set=keys.patient_ids)), pc.is_valid(values))
            rows, count = _first_rows(mask, limit)
            if count:
                problems.append(Problem(spec.name, col.name, "patient_id not in patients", rows, count))
        elif col.references == "organisations.code":
            if not keys.org_types:
                continue
            distinct = pc.unique(values.drop_null()).to_pylist()
            unknown = sorted(v for v in distinct if v not in keys.org_types)
            if unknown:
                _report_values(spec, col, values, unknown, "codes not in organisations", problems, limit)
            if col.org_types:
                wrong = sorted(v for v in distinct if v in keys.org_types and keys.org_types[v] not in col.org_types)
                if wrong:
                    _report_values(
                        spec,
                        col,
                        values,
                        wrong,
                        f"organisations of the wrong type (expected {', '.join(col.org_types)})",
                        problems,
                        limit,
                    )
        elif col.references == "hospital_spells.spell_id" and keys.spell_ids is not None:
            mask = pc.and_(pc.invert(pc.is_in(values, value_set=keys.spell_ids)), pc.is_valid(values))
            rows, count = _first_rows(mask, limit)
            if count:
                problems.append(Problem(spec.name, col.name, "spell_id not in hospital_spells", rows, count))


def _check_after_death(
    spec: Table, data: pa.Table, usable: set[str], keys: _Keys, problems: list[Problem], limit: int
) -> None:
    if keys.death_ids is None or "patient_id" not in usable or not keys.death_ids.size:
        return
    # _remember_keys always sets death_ids and death_days together.
    assert keys.death_days is not None
    pids = _plain(data.column("patient_id")).to_numpy(zero_copy_only=False)
    position = np.searchsorted(keys.death_ids, pids)
    position = np.minimum(position, keys.death_ids.size - 1)
    has_death = keys.death_ids[position] == pids
    death_day = np.where(has_death, keys.death_days[position], np.iinfo(np.int32).max)
    for name in spec.dates_not_after_death:
        if name not in usable:
            continue
        days = data.column(name).cast(pa.int32()).fill_null(np.iinfo(np.int32).min).to_numpy()
        rows, count = _first_rows(days > death_day, limit)
        if count:
            problems.append(Problem(spec.name, name, "date after the person's date of death", rows, count))


def _remember_keys(spec: Table, data: pa.Table, usable: set[str], keys: _Keys) -> None:
    if spec.name == "patients" and "patient_id" in usable:
        keys.patient_ids = _plain(data.column("patient_id")).combine_chunks()
    elif spec.name == "organisations" and {"code", "type"} <= usable:
        keys.org_types = dict(
            zip(data.column("code").to_pylist(), _plain(data.column("type")).to_pylist(), strict=True)
        )
    elif spec.name == "deaths" and {"patient_id", "date_of_death"} <= usable:
        ids = _plain(data.column("patient_id")).to_numpy(zero_copy_only=False)
        days = data.column("date_of_death").cast(pa.int32()).fill_null(np.iinfo(np.int32).max)
        order = np.argsort(ids, kind="stable")
        keys.death_ids = ids[order]
        keys.death_days = days.to_numpy()[order]
    elif spec.name == "hospital_spells" and "spell_id" in usable:
        keys.spell_ids = _plain(data.column("spell_id")).combine_chunks()


# Tables others are checked against are read first.
_VALIDATION_ORDER = ("organisations", "patients", "deaths", "hospital_spells")


def validate_directory(
    directory: str | Path, max_rows: int = 5, tables: Iterable[str] | None = None
) -> ValidationReport:
    """Check every contract table found in ``directory`` against the contract; write nothing.

    ``max_rows`` limits how many offending rows are listed per problem (all are counted).
    """
    directory = Path(directory)
    report = ValidationReport()
    keys = _Keys()
    wanted = [t.name for t in TABLES] if tables is None else list(tables)
    ordered = [n for n in _VALIDATION_ORDER if n in wanted] + [n for n in wanted if n not in _VALIDATION_ORDER]
    if not directory.is_dir():
        report.problems.append(Problem("(directory)", None, f"{directory} is not a directory"))
        return report
    for name in ordered:
        spec = TABLES_BY_NAME[name]
        path = _find_file(directory, name)
        if path is None:
            if spec.required:
                report.problems.append(Problem(name, None, f"missing file {name}.parquet (or .csv)"))
            continue
        try:
            is_csv = path.suffix == ".csv"
            data = _read_csv(path, spec, report.problems, max_rows) if is_csv else pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as error:
            report.problems.append(Problem(name, None, f"unreadable file {path.name}: {error}"))
            continue
        report.row_counts[name] = data.num_rows
        usable = _check_columns(spec, data, report.problems, max_rows)
        _check_unique(spec, data, usable, report.problems, max_rows)
        _check_date_order(spec, data, usable, report.problems, max_rows)
        _check_references(spec, data, usable, keys, report.problems, max_rows)
        _check_after_death(spec, data, usable, keys, report.problems, max_rows)
        _remember_keys(spec, data, usable, keys)
        del data
    return report


# ---------------------------------------------------------------------------------------------------------------
# Documentation.


def _coding_text(col: Column) -> str:
    parts = []
    if col.coding:
        parts.append(col.coding)
    if col.allowed:
        parts.append(", ".join(f"`{v}`" for v in col.allowed))
    if col.minimum is not None or col.maximum is not None:
        low = "" if col.minimum is None else f"{col.minimum:g}"
        high = "" if col.maximum is None else f"{col.maximum:g}"
        parts.append(f"range {low}–{high}")
    if col.references:
        target = f"`{col.references}`"
        if col.org_types:
            target += " (" + ", ".join(col.org_types) + ")"
        parts.append(f"→ {target}")
    return "; ".join(parts)


CODING_NOTES = {
    "SNOMED CT": "SNOMED CT concept identifier as a string of 6–18 digits with a valid Verhoeff check digit.",
    "dm+d": "Dictionary of medicines and devices (VMP/AMP) identifier, same SCTID format as SNOMED CT.",
    "ICD-10": "ICD-10 (WHO/UK 5th edition) code in upper case without the dot, 3–5 characters, e.g. `C349`, `I50`, "
    "`R69X`; analytics match on prefixes.",
    "ODS": "Organisation Data Service-style code, 3–6 upper-case letters and digits, present in `organisations`.",
    "LSOA": "ONS GSS code of a 2011 or 2021 lower layer super output area (`E01…` England, `W01…` Wales).",
    "postcode": "UK postcode in upper case with a single space before the inward code.",
    "NHS number": "Ten digits, no spaces, valid modulus 11 check digit (`peolc.nhs_number`).",
    "IMD 2019": "Decile of the English Index of Multiple Deprivation 2019 (LSOA 2011), 1 = most deprived.",
    "NHS Data Dictionary ethnic category": "; ".join(f"`{k}` {v}" for k, v in ETHNIC_CATEGORY_NAMES.items()),
}


def contract_markdown() -> str:
    """The data contract as Markdown (the content of ``docs/data-contract.md``)."""
    lines = [
        "# Linked dataset contract",
        "",
        "<!-- Generated by `peolc contract-docs` from `src/peolc/analytics/contract.py`; do not edit by hand. -->",
        "",
        "An integrated care system maps its own extracts to these tables once; the synthetic generator "
        "(`peolc generate`) writes exactly this shape. Each table is one file in a directory: `<table>.parquet` "
        "(preferred) or `<table>.csv`. Check a directory with `peolc validate DIR`: it reads the files, writes "
        "nothing, and lists every problem with its table, column and first rows (rows count from 1, the first "
        "data row), exiting non-zero if there is any error.",
        "",
        "## Conventions",
        "",
        "- Dates are ISO 8601 (`YYYY-MM-DD` in CSV) and Parquet `date32`.",
        "- People are identified only by the pseudonymous `patient_id` (int64). NHS numbers live in `identifiers`,"
        " which analytics never read.",
        "- Codes are strings. In CSV, list columns hold codes separated by `;`, and an empty cell is null.",
        "- A column type `int64`/`int32`/`int16` accepts any integer Parquet type; `string` accepts dictionary-"
        "encoded strings.",
        "- No date in a person-level table may fall after that person's `deaths.date_of_death`.",
        "- Organisation types: " + ", ".join(f"`{t}`" for t in ORGANISATION_TYPES) + ".",
        "",
        "## Coding systems",
        "",
    ]
    lines += [f"- **{name}**: {text}" for name, text in CODING_NOTES.items()]
    lines.append("")
    for spec in TABLES:
        lines += [f"## `{spec.name}`", "", spec.description, ""]
        facts = [f"Source: {spec.source}."]
        if spec.primary_key:
            facts.append(f"Key: `{', '.join(spec.primary_key)}`.")
        facts.append("Required." if spec.required else "Optional (kept apart from the analytic tables).")
        lines += [" ".join(facts), ""]
        lines += ["| Column | Type | Null | Meaning | Coding / values |", "|---|---|---|---|---|"]
        for col in spec.columns:
            null = "yes" if col.nullable else "no"
            lines.append(f"| `{col.name}` | {col.type} | {null} | {col.description} | {_coding_text(col)} |")
        checks = []
        if spec.date_order:
            checks += [f"`{a}` ≤ `{b}`" for a, b in spec.date_order]
        if spec.dates_not_after_death:
            checks.append("not after death: " + ", ".join(f"`{d}`" for d in spec.dates_not_after_death))
        if checks:
            lines += ["", "Checks: " + "; ".join(checks) + "."]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
