"""Roles and the permissions they grant.

Permissions say what kind of thing a user may do; the scoping rule (which people's records) is applied separately,
in one place, by the register. Keeping both explicit lets a test check every view against them.
"""

from __future__ import annotations

import enum

from django.db import models


class Permission(enum.StrEnum):
    """Everything a user can be allowed to do."""

    VIEW_RECORD = "view_record"
    EDIT_RECORD = "edit_record"
    RECORD_CLINICAL_DECISION = "record_clinical_decision"  # e.g. CPR recommendation: clinicians only
    ADD_TO_REGISTER = "add_to_register"
    VIEW_EMERGENCY_SUMMARY_ANY = "view_emergency_summary_any"
    BREAK_GLASS = "break_glass"
    VIEW_REGISTER_LISTS = "view_register_lists"
    EXPORT_REGISTER = "export_register"
    VIEW_CANDIDATES = "view_candidates"
    VIEW_AGGREGATE_DATA = "view_aggregate_data"
    LOG_ADVICE_CALL = "log_advice_call"
    MANAGE_DIRECTORY = "manage_directory"
    MANAGE_USERS = "manage_users"
    MANAGE_ORGANISATIONS = "manage_organisations"
    VIEW_AUDIT_LOG = "view_audit_log"
    REVIEW_BREAK_GLASS = "review_break_glass"


class Role(models.TextChoices):
    """A user's job as far as peolc is concerned."""

    GP = "gp", "GP"
    COMMUNITY_NURSE = "community_nurse", "Community nurse"
    HOSPICE_CLINICIAN = "hospice_clinician", "Hospice clinician"
    HOSPITAL_CLINICIAN = "hospital_clinician", "Hospital clinician"
    URGENT_CARE_CLINICIAN = "urgent_care_clinician", "Urgent care clinician (111, out of hours, ambulance)"
    CARE_COORDINATOR = "care_coordinator", "Care coordinator"
    ICB_ANALYST = "icb_analyst", "ICB analyst"
    DIRECTORY_EDITOR = "directory_editor", "Directory editor"
    SYSTEM_ADMINISTRATOR = "system_administrator", "System administrator"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer (Caldicott / IG)"


_CLINICAL_READ_WRITE = {
    Permission.VIEW_RECORD,
    Permission.EDIT_RECORD,
    Permission.ADD_TO_REGISTER,
    Permission.BREAK_GLASS,
    Permission.VIEW_REGISTER_LISTS,
    Permission.LOG_ADVICE_CALL,
}
_CLINICIAN = _CLINICAL_READ_WRITE | {Permission.RECORD_CLINICAL_DECISION}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.GP: frozenset(
        _CLINICIAN | {Permission.EXPORT_REGISTER, Permission.VIEW_CANDIDATES, Permission.VIEW_AGGREGATE_DATA}
    ),
    Role.COMMUNITY_NURSE: frozenset(_CLINICIAN),
    Role.HOSPICE_CLINICIAN: frozenset(_CLINICIAN | {Permission.VIEW_AGGREGATE_DATA}),
    Role.HOSPITAL_CLINICIAN: frozenset(_CLINICIAN),
    Role.URGENT_CARE_CLINICIAN: frozenset(
        {
            Permission.VIEW_RECORD,
            Permission.VIEW_EMERGENCY_SUMMARY_ANY,
            Permission.BREAK_GLASS,
            Permission.LOG_ADVICE_CALL,
            Permission.RECORD_CLINICAL_DECISION,
        }
    ),
    Role.CARE_COORDINATOR: frozenset(
        _CLINICAL_READ_WRITE
        | {Permission.EXPORT_REGISTER, Permission.VIEW_CANDIDATES, Permission.VIEW_AGGREGATE_DATA}
    ),
    Role.ICB_ANALYST: frozenset({Permission.VIEW_AGGREGATE_DATA}),
    Role.DIRECTORY_EDITOR: frozenset({Permission.MANAGE_DIRECTORY}),
    # Administrators manage accounts but neither read records nor judge access to them: that is kept apart, with
    # the privacy officer (Caldicott guardian or information governance lead), so no one role can both grant itself
    # access and approve it.
    Role.SYSTEM_ADMINISTRATOR: frozenset(
        {
            Permission.MANAGE_USERS,
            Permission.MANAGE_ORGANISATIONS,
            Permission.VIEW_AUDIT_LOG,
            Permission.MANAGE_DIRECTORY,
        }
    ),
    Role.PRIVACY_OFFICER: frozenset({Permission.REVIEW_BREAK_GLASS, Permission.VIEW_AUDIT_LOG}),
}


def permissions_for(role: str | None) -> frozenset[Permission]:
    """The permissions a role grants; nothing for an unknown or missing role."""
    if role is None:
        return frozenset()
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()

