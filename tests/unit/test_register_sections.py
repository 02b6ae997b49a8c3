"""Each register section is declared once, in ``SECTIONS``: these check every declaration is complete and agrees
with its models, so a new section cannot be half-declared."""

import re

import pytest
from django import forms

from peolc.core.permissions import Permission
from peolc.register import display, summary
from peolc.register import models as m
from peolc.register.sections import SECTIONS, content_fields

SECTION_LIST = list(SECTIONS.values())
ids = [section.name for section in SECTION_LIST]
# A care team member's user account gives that user access to the record: it is set by the system, not edited.
NOT_EDITED = {("care_team", "user")}


def _person_key(model):
    return model._meta.get_field("person").remote_field.related_name


@pytest.mark.parametrize("section", SECTION_LIST, ids=ids)
def test_a_section_is_named_as_its_record_section_rows_and_urls_name_it(section):
    assert SECTIONS[section.name] is section
    assert section.title
    # The name is a URL slug and is stored in RecordSection.name and SectionVersion.section.
    assert re.fullmatch(r"[a-z_]+", section.name)
    assert len(section.name) <= m.RecordSection._meta.get_field("name").max_length
    assert len(section.name) <= m.SectionVersion._meta.get_field("section").max_length


@pytest.mark.parametrize("section", SECTION_LIST, ids=ids)
def test_a_section_holds_a_single_row_a_list_or_both(section):
    assert section.singleton_model is not None or section.list_model is not None


@pytest.mark.parametrize("section", SECTION_LIST, ids=ids)
def test_a_single_row_is_edited_by_a_model_form_for_its_model(section):
    assert issubclass(section.form, forms.BaseForm)
    if section.singleton_model is None:
        # A list-only section's form holds just when it is next to be reviewed.
        assert list(section.form.base_fields) == ["review_date"]
        return
    assert issubclass(section.form, forms.ModelForm)
    assert section.form._meta.model is section.singleton_model
    if section.singleton_model is not m.Person:
        assert hasattr(m.Person, section.singleton_related_name)


@pytest.mark.parametrize("section", SECTION_LIST, ids=ids)
def test_a_list_is_edited_by_a_formset_of_model_forms_for_its_model(section):
    if section.list_model is None:
        assert section.formset is None and not section.list_related_name
        return
    assert section.formset is not None
    assert issubclass(section.formset.form, forms.ModelForm)
    assert section.formset.form._meta.model is section.list_model
    assert section.list_related_name == _person_key(section.list_model)
    assert section.formset.can_delete


@pytest.mark.parametrize("section", SECTION_LIST, ids=ids)
def test_every_field_of_a_section_is_edited_by_its_forms(section):
    models_and_forms = [(section.singleton_model, section.form), (section.list_model, section.formset and
                                                                    section.formset.form)]
    for model, form in models_and_forms:
        if model is None:
            continue
        not_edited = set(content_fields(model)) - set(form.base_fields)
        assert not_edited == {field for name, field in NOT_EDITED if name == section.name}


@pytest.mark.parametrize("section", SECTION_LIST, ids=ids)
def test_every_field_a_form_shows_has_a_label_on_the_record_page(section):
    if section.singleton_model is None:
        return
    # Labels the form words differently from the model are for fields it shows, not stale names.
    assert set(section.labels) <= set(section.form.base_fields)
    for name in section.form.base_fields:
        if name in content_fields(section.singleton_model):
            field = section.singleton_model._meta.get_field(name)
            assert (section.labels.get(name) or display.label_for(field)).strip()


@pytest.mark.parametrize("section", SECTION_LIST, ids=ids)
def test_clinical_sections_need_the_clinical_decision_permission(section):
    assert Permission.EDIT_RECORD in section.edit_permissions
    assert (Permission.RECORD_CLINICAL_DECISION in section.edit_permissions) == section.clinical


def test_the_clinical_sections_are_the_respect_decision_and_anticipatory_medicines():
    assert {section.name for section in SECTION_LIST if section.clinical} == {"respect", "medicines"}


def test_the_single_rows_the_emergency_summary_reads_are_declared_sections_rows():
    declared = {s.singleton_related_name: s.singleton_model for s in SECTION_LIST if s.singleton_related_name}
    assert summary.ONE_TO_ONE.items() <= declared.items()
