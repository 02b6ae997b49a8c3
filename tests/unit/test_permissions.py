from peolc.core.permissions import ROLE_PERMISSIONS, Permission, Role, permissions_for


def test_every_role_grants_something():
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert all(ROLE_PERMISSIONS[role] for role in Role)


def test_icb_analysts_see_aggregate_data_only():
    assert permissions_for(Role.ICB_ANALYST) == {Permission.VIEW_AGGREGATE_DATA}


def test_only_urgent_care_may_open_any_emergency_summary():
    holders = {role for role, granted in ROLE_PERMISSIONS.items() if Permission.VIEW_EMERGENCY_SUMMARY_ANY in granted}
    assert holders == {Role.URGENT_CARE_CLINICIAN}


def test_clinical_decisions_are_for_clinicians_only():
    holders = {role for role, granted in ROLE_PERMISSIONS.items() if Permission.RECORD_CLINICAL_DECISION in granted}
    assert Role.CARE_COORDINATOR not in holders
    assert Role.ICB_ANALYST not in holders
    assert {Role.GP, Role.COMMUNITY_NURSE, Role.HOSPICE_CLINICIAN, Role.HOSPITAL_CLINICIAN} <= holders


def test_administrators_cannot_read_records():
    granted = permissions_for(Role.SYSTEM_ADMINISTRATOR)
    assert Permission.VIEW_RECORD not in granted
    assert Permission.MANAGE_USERS in granted


def test_unknown_or_missing_role_grants_nothing():
    assert permissions_for("") == frozenset()
    assert permissions_for(None) == frozenset()
    assert permissions_for("superhero") == frozenset()


def test_break_glass_is_reviewed_by_privacy_officers_not_administrators():
    holders = {role for role, granted in ROLE_PERMISSIONS.items() if Permission.REVIEW_BREAK_GLASS in granted}
    assert holders == {Role.PRIVACY_OFFICER}
    assert permissions_for(Role.PRIVACY_OFFICER) == {Permission.REVIEW_BREAK_GLASS, Permission.VIEW_AUDIT_LOG}
    assert Role.PRIVACY_OFFICER.label == "Privacy officer (Caldicott / IG)"
