"""The EPaCCS record: a person, their register entry and the sections of their shared care record.

Every section has one ``RecordSection`` row that carries its version (for optimistic locking), who changed it last,
whether the responsible clinician has reviewed it, and its review date; every saved version is kept whole in
``SectionVersion``. People are addressed by a random UUID in URLs, never by NHS number.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from peolc.core.models import Organisation
from peolc.register import choices as c


class Person(models.Model):
    """Demographics (PRSB: person demographics, GP practice, communication needs)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    nhs_number = models.CharField(max_length=10, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=8, choices=c.Sex.choices)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    practice = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="registered_people",
        limit_choices_to={"type": "gp_practice"}, verbose_name="Registered GP practice",
    )
    ethnicity = models.CharField(max_length=1, choices=c.ETHNICITY_CHOICES, default="Z")
    preferred_language = models.CharField(max_length=50, blank=True, default="English")
    interpreter_needed = models.BooleanField(default=False)
    communication_needs = models.TextField(blank=True)
    # The pseudonymous id the analytics pipelines know this person by, when the person came from the linked data.
    patient_id = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        indexes = [models.Index(fields=["family_name", "date_of_birth"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        # A production load knows no names (the linked data holds none) until someone records them.
        return f"{self.given_name} {self.family_name.upper()}".strip() or "Name not recorded"


class RecordSection(models.Model):
    """Version, review state and review date of one section of one person's record."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(max_length=32)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.CharField(max_length=150, blank=True)
    updated_by_organisation = models.CharField(max_length=12, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    review_date = models.DateField(null=True, blank=True)
    # Set while the latest version came from another system (a load or an import), not from a user of this one:
    # such content is never counted as reviewed until a clinician confirms it. Cleared by the next saved version.
    imported_from = models.CharField(max_length=200, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # What the source said that this section cannot hold as content (e.g. that a CPR decision exists, not which).
    import_note = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "name"], name="one_state_per_section")]

    @property
    def imported_unreviewed(self) -> bool:
        """The latest version was imported and no clinician has confirmed it since."""
        return bool(self.imported_from) and not self.reviewed

    @property
    def reviewed(self) -> bool:
        """Whether the latest version was saved or confirmed by a clinician."""
        return self.reviewed_at is not None and self.updated_at is not None and self.reviewed_at >= self.updated_at


class SectionVersion(models.Model):
    """One saved version of a section, kept whole so any past state can be shown."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="section_versions")
    section = models.CharField(max_length=32)
    version = models.PositiveIntegerField()
    data = models.JSONField()
    changes = models.JSONField(default=dict)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.CharField(max_length=150)
    changed_by_organisation = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["person", "section", "version"], name="one_row_per_section_version")
        ]


class RegisterEntry(models.Model):
    """The person's place on the register (PRSB: EPaCCS record status, prognosis, diagnoses, functional status)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True, related_name="entry")
    status = models.CharField(max_length=8, choices=c.RegisterStatus.choices, default=c.RegisterStatus.ACTIVE)
    date_added = models.DateField()
    removed_on = models.DateField(null=True, blank=True)
    removal_reason = models.CharField(max_length=24, choices=c.RemovalReason.choices, blank=True)
    identification_route = models.CharField(max_length=20, choices=c.IdentificationRoute.choices)
    prognosis = models.CharField(max_length=8, choices=c.PROGNOSIS_CHOICES, default="unknown")
    main_diagnosis = models.CharField(max_length=16, choices=c.DIAGNOSIS_CHOICES)
    diagnoses = models.TextField(blank=True, help_text="Other diagnoses and relevant history")
    functional_status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Australia-modified Karnofsky Performance Status, 10 to 100"
    )
    consent_to_share = models.CharField(max_length=16, choices=c.ConsentToShare.choices)

    class Meta:
        indexes = [models.Index(fields=["status", "prognosis"])]


class Preferences(models.Model):
    """Preferred place of care and of death, and what matters to the person."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True, related_name="preferences")
    preferred_place_of_care = models.CharField(max_length=10, choices=c.PREFERRED_PLACE_CHOICES, blank=True)
    preferred_place_of_care_second = models.CharField(max_length=10, choices=c.PREFERRED_PLACE_CHOICES, blank=True)
    preferred_place_of_death = models.CharField(max_length=10, choices=c.PREFERRED_PLACE_CHOICES, blank=True)
    preferred_place_of_death_second = models.CharField(max_length=10, choices=c.PREFERRED_PLACE_CHOICES, blank=True)
    discussed_with = models.CharField(max_length=200, blank=True)
    discussed_on = models.DateField(null=True, blank=True)
    has_capacity = models.CharField(max_length=8, choices=c.YesNoUnknown.choices, default=c.YesNoUnknown.UNKNOWN)
    what_matters = models.TextField(blank=True)


class RespectDecision(models.Model):
    """ReSPECT: the CPR recommendation and other recommendations for emergency care."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True, related_name="respect")
    cpr_recommendation = models.CharField(max_length=12, choices=c.CprRecommendation.choices)
    decided_on = models.DateField()
    clinician_name = models.CharField(max_length=150)
    clinician_role = models.CharField(max_length=100)
    emphasis_of_care = models.CharField(max_length=16, choices=c.CareEmphasis.choices, blank=True)
    clinical_recommendations = models.TextField(blank=True)
    form_location = models.CharField(max_length=200, blank=True, help_text="Where the original form is kept")


class AdvanceCarePlan(models.Model):
    """Advance care planning: discussions, ADRT, lasting power of attorney, preferred priorities."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True, related_name="acp")
    discussed = models.BooleanField(default=False)
    documented = models.BooleanField(default=False)
    plan_date = models.DateField(null=True, blank=True)
    adrt = models.CharField(max_length=8, choices=c.YesNoUnknown.choices, default=c.YesNoUnknown.UNKNOWN)
    adrt_details = models.TextField(blank=True)
    lpa_health_welfare = models.CharField(max_length=8, choices=c.YesNoUnknown.choices,
                                          default=c.YesNoUnknown.UNKNOWN)
    lpa_holder_name = models.CharField(max_length=150, blank=True)
    lpa_holder_contact = models.CharField(max_length=100, blank=True)
    preferred_priorities = models.TextField(blank=True)


class CareTeamMember(models.Model):
    """A professional involved in the person's care; one may be the named coordinator."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="care_team")
    role = models.CharField(max_length=24, choices=c.CareTeamRole.choices)
    name = models.CharField(max_length=150)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="care_team_memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="care_team_memberships")
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["role", "name"]


class Carer(models.Model):
    """A carer or family member, with the carer's assessment and bereavement risk."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="carers")
    name = models.CharField(max_length=150)
    relationship = models.CharField(max_length=50)
    phone = models.CharField(max_length=30, blank=True)
    lives_with = models.BooleanField(default=False)
    assessment_offered_on = models.DateField(null=True, blank=True)
    assessment_completed_on = models.DateField(null=True, blank=True)
    bereavement_risk = models.CharField(max_length=8, choices=c.BereavementRisk.choices,
                                        default=c.BereavementRisk.UNKNOWN)

    class Meta:
        ordering = ["name"]


class AnticipatoryCare(models.Model):
    """Where anticipatory medicines are kept, syringe driver and equipment at home."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True,
                                  related_name="anticipatory_care")
    medicines_location = models.CharField(max_length=200, blank=True)
    syringe_driver = models.BooleanField(default=False)
    equipment = models.TextField(blank=True)


class AnticipatoryMedicine(models.Model):
    """A 'just in case' medicine prescribed for symptom control."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="anticipatory_medicines")
    drug = models.CharField(max_length=100)
    route = models.CharField(max_length=16, choices=c.MedicineRoute.choices)
    dose = models.CharField(max_length=150, blank=True)
    prescribed_on = models.DateField()

    class Meta:
        ordering = ["drug"]


class AfterDeath(models.Model):
    """Date and place of death, whether the preferred place was achieved, and verification arrangements."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True, related_name="after_death")
    died_on = models.DateField()
    place_of_death = models.CharField(max_length=10, choices=c.PLACE_OF_DEATH_CHOICES)
    place_detail = models.CharField(max_length=200, blank=True)
    preferred_place_achieved = models.CharField(max_length=8, choices=c.YesNoUnknown.choices)
    reason_not_achieved = models.TextField(blank=True)
    verification_arrangements = models.TextField(blank=True)


class BreakGlassAccess(models.Model):
    """Emergency access to a record without a care relationship: time-limited, with a reason, reviewed later."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="break_glass")
    reason = models.TextField()
    # The person declined sharing: the user stated that opening the record is in the person's vital interests.
    vital_interests = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    review_outcome = models.CharField(max_length=16, blank=True,
                                      choices=[("appropriate", "Appropriate"), ("inappropriate", "Inappropriate")])
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "person", "expires_at"])]


class EmergencySummary(models.Model):
    """The emergency summary's clinical content as display text, rebuilt by every change to the record.

    A read model (see :mod:`peolc.register.summary`): the page reads this one row instead of every section.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True,
                                  related_name="emergency_summary")
    content = models.JSONField()
    built_at = models.DateTimeField()
