"""Forms for the public search, the editors' pages and the gap map."""

from __future__ import annotations

from django import forms

from peolc.directory import models as m
from peolc.directory.geo import normalise_postcode

DISTANCES = [("5", "5 km"), ("10", "10 km"), ("25", "25 km"), ("50", "50 km")]


class SearchForm(forms.Form):
    need = forms.ChoiceField(label="What do you need?", required=False)
    q = forms.CharField(label="Keywords (optional)", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode (optional)", required=False, max_length=10,
                               help_text="For services near you, for example NG1 5DT")
    distance = forms.ChoiceField(label="Within", choices=DISTANCES, required=False, initial="25")
    verified = forms.BooleanField(label="Only entries checked in the last 6 months", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [("", "Any kind of service")] + [
            (t.code, t.name) for t in m.TaxonomyTerm.objects.order_by("name")]

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"].strip()
        if value and normalise_postcode(value) is None:
            raise forms.ValidationError("Enter a real postcode, like NG1 5DT.")
        return normalise_postcode(value) or ""


OPENING = [("24/7", "24 hours a day, 7 days a week, including bank holidays"),
           ("weekdays", "Monday to Friday"), ("every-day", "Every day"),
           ("none", "No regular hours (by appointment or referral)")]


class ServiceForm(forms.Form):
    organization = forms.ModelChoiceField(label="Organisation", queryset=m.DirectoryOrganization.objects.none())
    name = forms.CharField(label="Service name", max_length=200)
    description = forms.CharField(label="Description", widget=forms.Textarea)
    terms = forms.ModelMultipleChoiceField(label="Kinds of service", queryset=m.TaxonomyTerm.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)
    status = forms.ChoiceField(label="Status", choices=m.ServiceStatus.choices)
    phone = forms.CharField(label="Telephone", max_length=30, required=False)
    email = forms.EmailField(label="Email", required=False)
    url = forms.URLField(label="Website", required=False, assume_scheme="https")
    eligibility_description = forms.CharField(label="Who can use it", widget=forms.Textarea, required=False)
    minimum_age = forms.IntegerField(label="Minimum age", required=False, min_value=0, max_value=130)
    maximum_age = forms.IntegerField(label="Maximum age", required=False, min_value=0, max_value=130)
    alert = forms.CharField(label="Temporary notice", required=False, max_length=500)
    address_1 = forms.CharField(label="Address (leave blank for telephone or online services)", required=False,
                                max_length=200)
    city = forms.CharField(label="Town or city", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    opening = forms.ChoiceField(label="Opening hours", choices=OPENING, widget=forms.RadioSelect)
    opens_at = forms.TimeField(label="Opens at (24-hour clock, for example 09:00)", required=False)
    closes_at = forms.TimeField(label="Closes at (for example 17:00)", required=False)
    open_on_bank_holidays = forms.BooleanField(label="Open on bank holidays", required=False)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["terms"].queryset = m.TaxonomyTerm.objects.order_by("name")


class ImportForm(forms.Form):
    file = forms.FileField(label="ORUK JSON file", help_text="A list of fully nested ORUK 3.0 services, or a page.")

    def clean_file(self):
        from peolc.directory.actions import import_too_large

        upload = self.cleaned_data["file"]
        too_large = import_too_large(upload.size)
        if too_large:
            raise forms.ValidationError(too_large)
        return upload


class GapForm(forms.Form):
    term = forms.ChoiceField(label="Kind of service")
    within = forms.ChoiceField(label="Within", choices=DISTANCES, initial="10", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = [(t.code, t.name) for t in
                                       m.TaxonomyTerm.objects.filter(gap_mapped=True).order_by("name")]
