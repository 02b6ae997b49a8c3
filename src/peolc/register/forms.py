"""Forms for the register pages. They parse input; the actions validate the record and write it."""

from __future__ import annotations

from django import forms

from peolc import nhs_number
from peolc.core.forms import NhsDateField
from peolc.core.models import Organisation, OrganisationType
from peolc.register import choices as c
from peolc.register import models as m


def _date_fields(model_form_class):
    """Use the NHS.UK date input for every date field of a model form."""
    for name, field in list(model_form_class.base_fields.items()):
        if isinstance(field, forms.DateField) and not isinstance(field, NhsDateField):
            model_form_class.base_fields[name] = NhsDateField(
                label=field.label, required=field.required, help_text=field.help_text
            )
    return model_form_class


def _nhs_number_digits(typed: str) -> str:
    """The ten ASCII digits of an NHS number typed with or without spaces, or a form error."""
    digits = nhs_number.normalise(typed)
    if digits is None or not nhs_number.is_valid(digits):
        raise forms.ValidationError("Enter a valid 10-digit NHS number.")
    return digits


class PracticeField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=Organisation.objects.filter(type=OrganisationType.GP_PRACTICE, active=True).order_by("name"),
            empty_label="", label="Registered GP practice", **kwargs,
        )

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class ReviewDateMixin(forms.Form):
    review_date = NhsDateField(required=False, label="Review by", help_text="When this should next be reviewed")


@_date_fields
class PersonForm(forms.ModelForm):
    nhs_number = forms.CharField(label="NHS number", max_length=12, help_text="10 digits, for example 999 123 4567")
    practice = PracticeField()

    class Meta:
        model = m.Person
        fields = ["nhs_number", "given_name", "family_name", "date_of_birth", "sex", "address", "postcode",
                  "practice", "ethnicity", "preferred_language", "interpreter_needed", "communication_needs"]
        labels = {"nhs_number": "NHS number", "given_name": "First name", "family_name": "Last name",
                  "interpreter_needed": "Needs an interpreter"}
        widgets = {"sex": forms.RadioSelect, "address": forms.Textarea(attrs={"rows": 3})}

    def clean_nhs_number(self) -> str:
        return _nhs_number_digits(self.cleaned_data["nhs_number"])

    def validate_unique(self):
        """Uniqueness is the action's job: it explains duplicates better than a field error can."""


AKPS_CHOICES = [("", "Not assessed")] + [(str(v), f"{v}%") for v in range(100, 0, -10)]


@_date_fields
class EntryForm(ReviewDateMixin, forms.ModelForm):
    functional_status = forms.TypedChoiceField(
        choices=AKPS_CHOICES, coerce=int, empty_value=None, required=False,
        label="Functional status (AKPS)", help_text="Australia-modified Karnofsky Performance Status",
    )

    class Meta:
        model = m.RegisterEntry
        fields = ["status", "date_added", "removed_on", "removal_reason", "identification_route", "prognosis",
                  "main_diagnosis", "diagnoses", "functional_status", "consent_to_share"]
        labels = {"prognosis": "Prognosis (expected)", "consent_to_share": "Consent to share this record"}
        widgets = {"prognosis": forms.RadioSelect, "consent_to_share": forms.RadioSelect,
                   "diagnoses": forms.Textarea(attrs={"rows": 3})}


class NewEntryForm(EntryForm):
    class Meta(EntryForm.Meta):
        fields = ["identification_route", "prognosis", "main_diagnosis", "diagnoses", "functional_status",
                  "consent_to_share"]


@_date_fields
class PreferencesForm(ReviewDateMixin, forms.ModelForm):
    class Meta:
        model = m.Preferences
        exclude = ["person"]
        labels = {
            "preferred_place_of_care": "Preferred place of care",
            "preferred_place_of_care_second": "Second choice of place of care",
            "preferred_place_of_death": "Preferred place of death",
            "preferred_place_of_death_second": "Second choice of place of death",
            "has_capacity": "Did the person have capacity to make these decisions?",
            "what_matters": "What matters to the person",
        }
        widgets = {"has_capacity": forms.RadioSelect, "what_matters": forms.Textarea(attrs={"rows": 4})}


@_date_fields
class RespectForm(ReviewDateMixin, forms.ModelForm):
    class Meta:
        model = m.RespectDecision
        exclude = ["person"]
        labels = {"cpr_recommendation": "CPR recommendation", "decided_on": "Date of decision",
                  "emphasis_of_care": "Emphasis of care"}
        widgets = {"cpr_recommendation": forms.RadioSelect, "emphasis_of_care": forms.RadioSelect,
                   "clinical_recommendations": forms.Textarea(attrs={"rows": 4})}


@_date_fields
class AcpForm(ReviewDateMixin, forms.ModelForm):
    class Meta:
        model = m.AdvanceCarePlan
        exclude = ["person"]
        labels = {
            "discussed": "Advance care planning has been discussed",
            "documented": "An advance care plan is documented",
            "plan_date": "Date of the plan",
            "adrt": "Advance decision to refuse treatment (ADRT)",
            "lpa_health_welfare": "Lasting power of attorney for health and welfare",
            "lpa_holder_name": "Attorney's name",
            "lpa_holder_contact": "Attorney's phone or contact",
        }
        widgets = {"adrt": forms.RadioSelect, "lpa_health_welfare": forms.RadioSelect,
                   "adrt_details": forms.Textarea(attrs={"rows": 3}),
                   "preferred_priorities": forms.Textarea(attrs={"rows": 3})}


class CareTeamMemberForm(forms.ModelForm):
    # Which existing member a row edits, so what the form does not show (their user account) is kept.
    id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.filter(active=True).order_by("name"),
                                          required=False, empty_label="")

    class Meta:
        model = m.CareTeamMember
        fields = ["role", "name", "organisation", "phone"]


@_date_fields
class CarerForm(forms.ModelForm):
    class Meta:
        model = m.Carer
        exclude = ["person"]
        labels = {"lives_with": "Lives with the person", "assessment_offered_on": "Carer's assessment offered",
                  "assessment_completed_on": "Carer's assessment completed"}


@_date_fields
class MedicineForm(forms.ModelForm):
    class Meta:
        model = m.AnticipatoryMedicine
        exclude = ["person"]


class AnticipatoryCareForm(ReviewDateMixin, forms.ModelForm):
    class Meta:
        model = m.AnticipatoryCare
        exclude = ["person"]
        labels = {"medicines_location": "Where the medicines are kept", "syringe_driver": "Syringe driver in use",
                  "equipment": "Equipment at home"}
        widgets = {"equipment": forms.Textarea(attrs={"rows": 3})}


@_date_fields
class AfterDeathForm(forms.ModelForm):
    class Meta:
        model = m.AfterDeath
        exclude = ["person"]
        labels = {"died_on": "Date of death", "place_of_death": "Place of death",
                  "place_detail": "Name of the hospital, hospice or care home",
                  "preferred_place_achieved": "Did the person die in their preferred place?",
                  "reason_not_achieved": "If not, why not"}
        widgets = {"place_of_death": forms.RadioSelect, "preferred_place_achieved": forms.RadioSelect,
                   "reason_not_achieved": forms.Textarea(attrs={"rows": 3}),
                   "verification_arrangements": forms.Textarea(attrs={"rows": 3})}


CareTeamFormSet = forms.formset_factory(CareTeamMemberForm, extra=2, can_delete=True)
CarerFormSet = forms.formset_factory(CarerForm, extra=1, can_delete=True)
MedicineFormSet = forms.formset_factory(MedicineForm, extra=2, can_delete=True)

class FindPersonForm(forms.Form):
    nhs_number = forms.CharField(label="NHS number", required=False, max_length=12)
    family_name = forms.CharField(label="Last name", required=False, max_length=100)
    date_of_birth = NhsDateField(label="Date of birth", required=False)

    def clean_nhs_number(self) -> str:
        typed = self.cleaned_data["nhs_number"]
        return _nhs_number_digits(typed) if typed.strip() else ""

    def clean(self):
        data = super().clean()
        if "nhs_number" not in self.errors and not data.get("nhs_number") and not (
                data.get("family_name") and data.get("date_of_birth")):
            raise forms.ValidationError("Enter an NHS number, or a last name and date of birth.")
        return data


class ConfirmDuplicateForm(forms.Form):
    confirm_different_person = forms.BooleanField(
        required=False, label="I have checked the NHS number: this is a different person"
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Why do you need to see this record now?",
        help_text="This is recorded with your name and reviewed by your organisation's privacy officer.",
    )
    # Asked, and required by the action, only when the person declined sharing.
    vital_interests = forms.BooleanField(
        required=False, label="I need this record now to protect the person's vital interests (their life or "
                              "serious harm to them), and cannot ask them or wait for their care team",
    )


class BreakGlassReviewForm(forms.Form):
    review_outcome = forms.ChoiceField(
        choices=[("appropriate", "Appropriate"), ("inappropriate", "Inappropriate")], widget=forms.RadioSelect,
        label="Was this access appropriate?",
    )
    review_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note")


class RegisterFilterForm(forms.Form):
    prognosis = forms.ChoiceField(required=False, choices=[("", "Any")] + c.PROGNOSIS_CHOICES)
    diagnosis = forms.ChoiceField(required=False, choices=[("", "Any")] + c.DIAGNOSIS_CHOICES,
                                  label="Main diagnosis")
    acp = forms.ChoiceField(required=False, choices=[("", "Either"), ("yes", "Recorded"), ("no", "Not recorded")],
                            label="Advance care plan")
    review = forms.ChoiceField(required=False, choices=[("", "Any"), ("overdue", "Overdue")], label="Review")
    status = forms.ChoiceField(required=False, choices=[("active", "On the register"), ("died", "Died"),
                                                        ("removed", "Removed"), ("all", "All")])


MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportRegisterForm(forms.Form):
    practice = PracticeField()
    file = forms.FileField(label="Register file (CSV)", help_text="One row per person; see the columns below.")
    skip_existing = forms.BooleanField(required=False,
                                       label="Skip people already on the register at this practice")

    def __init__(self, *args, practices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if practices is not None:
            self.fields["practice"].queryset = practices

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file must be smaller than 5 MB.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError("The file must be a CSV saved as UTF-8 text.") from error
