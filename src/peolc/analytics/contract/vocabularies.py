"""The contract's vocabularies: the values a coded column may take, shared by the schema, the generator and the
web half's choices."""

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
