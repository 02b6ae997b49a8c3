"""Forms for the administration pages. They only collect input: the actions validate and write."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm

from peolc.core.models import AuditEvent, Organisation, OrganisationType
from peolc.core.permissions import Role


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is inactive.",
    }


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254,
                             help_text="The work email address on your peolc account.")


_NEW_SECRET_HINT = "At least 12 characters. Not a common or published password, and not like your name or username."  # noqa: S105 - a hint, not a secret


class NewPasswordForm(SetPasswordForm):
    """Set a password from a one-time link, or when an account has none yet; the user has then chosen it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label, self.fields["new_password1"].help_text = "New password", _NEW_SECRET_HINT
        self.fields["new_password2"].label = "Type the new password again"

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit)


class ChangePasswordForm(PasswordChangeForm):
    """Change one's own password, knowing the current one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["new_password1"].label, self.fields["new_password1"].help_text = "New password", _NEW_SECRET_HINT
        self.fields["new_password2"].label = "Type the new password again"

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit)


def error_list(form: forms.BaseForm) -> list[dict]:
    """A form's errors as the NHS.UK error summary's list, each linking to its field."""
    items: list[dict] = []
    for name, errors in form.errors.items():
        anchor = f"#{form[name].id_for_label}" if name in form.fields else "#maincontent"
        items.extend({"text": message, "href": anchor} for message in errors)
    return items


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.code})"


class UserForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(label="Email address")
    job_title = forms.CharField(max_length=100, required=False)
    organisation = OrganisationChoiceField(queryset=Organisation.objects.filter(active=True), empty_label="")
    role = forms.ChoiceField(choices=[("", ""), *Role.choices])


class NewUserForm(UserForm):
    username = forms.CharField(max_length=150, help_text="Lower case letters, numbers and - . _ only.")
    field_order = ["username", "first_name", "last_name", "email", "job_title", "organisation", "role"]


class EditUserForm(UserForm):
    is_active = forms.BooleanField(label="Account is active", required=False)


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200)
    type = forms.ChoiceField(choices=[("", ""), *OrganisationType.choices], label="Type of organisation")
    parent = OrganisationChoiceField(
        queryset=Organisation.objects.filter(
            type__in=[OrganisationType.ICB, OrganisationType.LOCALITY, OrganisationType.PCN]
        ),
        required=False,
        label="Parent organisation",
        empty_label="None (this is the ICB)",
    )
    postcode = forms.CharField(max_length=8, required=False)


class NewOrganisationForm(OrganisationForm):
    code = forms.CharField(max_length=12, label="ODS code")
    field_order = ["code", "name", "type", "parent", "postcode"]


class EditOrganisationForm(OrganisationForm):
    active = forms.BooleanField(label="Organisation is active", required=False)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, label="Action")
    actor = forms.CharField(required=False, label="Username")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        self.fields["action"].choices = [("", "Any action")] + [(a, a) for a in actions]


class DateInputs(forms.Widget):
    """The NHS.UK date input: separate day, month and year boxes, posted as ``<name>[day]`` and so on."""

    template_name = ""

    def value_from_datadict(self, data, files, name):
        parts = [data.get(f"{name}[{part}]", "").strip() for part in ("year", "month", "day")]
        if not any(parts):
            return ""
        return "-".join(parts)

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}[{part}]" in data for part in ("day", "month", "year"))


class NhsDateField(forms.DateField):
    widget = DateInputs

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault("error_messages", {"invalid": "Enter a real date, for example 27 3 2026."})
        super().__init__(**kwargs)


def date_parts(bound_field) -> dict[str, str]:
    """Day, month and year to show in a date input, from the submitted or initial value."""
    value = bound_field.value()
    if isinstance(value, date):
        return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
    if isinstance(value, str) and value:
        year, _, rest = value.partition("-")
        month, _, day = rest.partition("-")
        return {"day": day, "month": month, "year": year}
    return {"day": "", "month": "", "year": ""}
