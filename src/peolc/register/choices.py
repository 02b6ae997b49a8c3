"""Value sets of the record. Where the linked dataset contract has the same list, it is the one source."""

from __future__ import annotations

from django.db import models

from peolc.analytics import contract


def _choices(values: tuple[str, ...], labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(value, labels[value]) for value in values]


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    UNKNOWN = "unknown", "Not known"


class RegisterStatus(models.TextChoices):
    ACTIVE = "active", "On the register"
    REMOVED = "removed", "Removed"
    DIED = "died", "Died"


class RemovalReason(models.TextChoices):
    NO_LONGER_PALLIATIVE = "no_longer_palliative", "No longer in the last year of life"
    LEFT_PRACTICE = "left_practice", "Moved away from the practice"


class IdentificationRoute(models.TextChoices):
    CLINICIAN = "clinician", "Clinician judgement"
    SEARCH_CANDIDATE = "search_candidate", "Population search candidate"
    HOSPITAL = "hospital", "Hospital"
    HOSPICE = "hospice", "Hospice"
    CARE_HOME = "care_home", "Care home"
    COMMUNITY = "community", "Community team"
    IMPORTED = "imported", "Imported from a practice register"


PROGNOSIS_LABELS = {"years": "Years", "months": "Months", "weeks": "Weeks", "days": "Days", "unknown": "Not known"}
PROGNOSIS_CHOICES = _choices(contract.PROGNOSIS_CATEGORIES, PROGNOSIS_LABELS)
DIAGNOSIS_LABELS = {
    "cancer": "Cancer", "heart_failure": "Heart failure", "copd": "COPD", "renal": "Chronic kidney disease",
    "liver": "Liver disease", "dementia": "Dementia", "frailty": "Frailty", "neurological": "Neurological disease",
    "other": "Other",
}
DIAGNOSIS_CHOICES = _choices(contract.DIAGNOSIS_GROUPS, DIAGNOSIS_LABELS)
PLACE_LABELS = {
    "home": "Home", "care_home": "Care home", "hospice": "Hospice", "hospital": "Hospital", "other": "Other",
    "undecided": "Person has not decided",
}
PREFERRED_PLACE_CHOICES = _choices(
    ("home", "care_home", "hospice", "hospital", "other", "undecided"), PLACE_LABELS
)
PLACE_OF_DEATH_CHOICES = _choices(contract.PLACES_OF_DEATH, PLACE_LABELS)
ETHNICITY_CHOICES = list(contract.ETHNIC_CATEGORY_NAMES.items())


class YesNoUnknown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class ConsentToShare(models.TextChoices):
    GIVEN = "given", "Consent given"
    BEST_INTERESTS = "best_interests", "Shared in the person's best interests (lacks capacity)"
    DECLINED = "declined", "Declined"
    # Loaded from a source that does not say: sharing for direct care applies until the person is asked.
    NOT_RECORDED = "not_recorded", "Not recorded"


class CprRecommendation(models.TextChoices):
    ATTEMPT = "attempt", "For attempted CPR"
    NOT_ATTEMPT = "not_attempt", "Not for attempted CPR"


class CareEmphasis(models.TextChoices):
    """ReSPECT section 3: the balance of care the person and clinician agreed."""

    SUSTAIN_LIFE = "sustain_life", "Prioritise sustaining life, even at the expense of some comfort"
    BALANCED = "balanced", "Balance sustaining life with comfort"
    COMFORT = "comfort", "Prioritise comfort, even at the expense of sustaining life"


class CareTeamRole(models.TextChoices):
    COORDINATOR = "coordinator", "End of life care coordinator / key worker"
    GP = "gp", "GP"
    SPECIALIST_PALLIATIVE = "specialist_palliative", "Specialist palliative care team"
    DISTRICT_NURSE = "district_nurse", "District nurse"
    SOCIAL_WORKER = "social_worker", "Social worker"
    OTHER = "other", "Other professional"


class BereavementRisk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    UNKNOWN = "unknown", "Not assessed"


class MedicineRoute(models.TextChoices):
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
    ORAL = "oral", "Oral"
    BUCCAL = "buccal", "Buccal"
    OTHER = "other", "Other"
