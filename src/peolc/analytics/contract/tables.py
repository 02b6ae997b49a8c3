"""The input tables: every table and column an ICS supplies to peolc (the linked dataset)."""

from __future__ import annotations

from peolc.analytics.contract.schema import Column, Table
from peolc.analytics.contract.vocabularies import (
    ADMISSION_METHODS,
    ARRIVAL_MODES,
    COMMUNITY_SERVICES,
    CONTACT_MODES,
    DIAGNOSIS_GROUPS,
    DISCHARGE_METHODS,
    ED_DISPOSALS,
    ETHNIC_CATEGORIES,
    HOSPICE_SETTINGS,
    ORGANISATION_TYPES,
    PLACES_OF_DEATH,
    PREFERRED_PLACES,
    PROGNOSIS_CATEGORIES,
    REGISTRATION_END_REASONS,
    RESIDENCY_END_REASONS,
    SEXES,
)


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
