"""Demo organisations and users. Created only in demo mode (``DEBUG`` on), never in production."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from peolc.core.audit import record_event
from peolc.core.auth import DEMO_PASSWORD
from peolc.core.models import Organisation, OrganisationType, User
from peolc.core.permissions import Role

T = OrganisationType

# A small ICS, used until a synthetic ICS's organisations are loaded: one of every kind in a believable hierarchy.
DEMO_ORGANISATIONS: list[dict[str, str | None]] = [
    {"code": "QDM", "name": "Demo Integrated Care Board", "type": T.ICB, "parent": None, "postcode": "LE1 6ZG"},
    {"code": "QDM01", "name": "North Locality", "type": T.LOCALITY, "parent": "QDM", "postcode": ""},
    {"code": "QDM02", "name": "South Locality", "type": T.LOCALITY, "parent": "QDM", "postcode": ""},
    {"code": "U00001", "name": "Riverside PCN", "type": T.PCN, "parent": "QDM01", "postcode": ""},
    {"code": "U00002", "name": "Hillview PCN", "type": T.PCN, "parent": "QDM02", "postcode": ""},
    {"code": "Y90001", "name": "Riverside Medical Centre", "type": T.GP_PRACTICE, "parent": "U00001",
     "postcode": "LE2 1AA"},
    {"code": "Y90002", "name": "Hillview Surgery", "type": T.GP_PRACTICE, "parent": "U00002", "postcode": "LE3 2BB"},
    {"code": "RDM", "name": "Demo University Hospitals NHS Trust", "type": T.ACUTE_TRUST, "parent": "QDM",
     "postcode": "LE1 5WW"},
    {"code": "RDC", "name": "Demo Community Health Services", "type": T.COMMUNITY_PROVIDER, "parent": "QDM",
     "postcode": "LE5 4PW"},
    {"code": "NDH01", "name": "Demo Hospice", "type": T.HOSPICE, "parent": "QDM01", "postcode": "LE3 9QE"},
    {"code": "VDM01", "name": "Oak Lodge Care Home", "type": T.CARE_HOME, "parent": "QDM02", "postcode": "LE4 7AB"},
    {"code": "NDU", "name": "Demo 111 and Out of Hours", "type": T.URGENT_CARE, "parent": "QDM", "postcode": ""},
    {"code": "RDA", "name": "Demo Ambulance Service NHS Trust", "type": T.AMBULANCE_SERVICE, "parent": "QDM",
     "postcode": ""},
    {"code": "FDM01", "name": "High Street Pharmacy", "type": T.PHARMACY, "parent": "QDM01", "postcode": "LE2 3CC"},
    {"code": "DM001", "name": "Demo County Council", "type": T.LOCAL_AUTHORITY, "parent": "QDM", "postcode": ""},
]

# username suffix, role, the kind of organisation the user works in, display name
DEMO_USERS = [
    ("gp", Role.GP, T.GP_PRACTICE, "Dr Asha", "Patel"),
    ("community-nurse", Role.COMMUNITY_NURSE, T.COMMUNITY_PROVIDER, "Ben", "Walker"),
    ("hospice", Role.HOSPICE_CLINICIAN, T.HOSPICE, "Dr Chloe", "Evans"),
    ("hospital", Role.HOSPITAL_CLINICIAN, T.ACUTE_TRUST, "Dr Daniel", "Okafor"),
    ("urgent-care", Role.URGENT_CARE_CLINICIAN, T.URGENT_CARE, "Erin", "Hughes"),
    ("coordinator", Role.CARE_COORDINATOR, T.PCN, "Farah", "Khan"),
    ("analyst", Role.ICB_ANALYST, T.ICB, "George", "Smith"),
    ("directory-editor", Role.DIRECTORY_EDITOR, T.HOSPICE, "Hannah", "Brown"),
    ("admin", Role.SYSTEM_ADMINISTRATOR, T.ICB, "Imran", "Ali"),
    ("privacy-officer", Role.PRIVACY_OFFICER, T.ICB, "Julia", "Novak"),
]


def demo_usernames() -> list[str]:
    """The demo users' usernames, in the order they are listed to people trying the demo."""
    return [f"demo-{suffix}" for suffix, *_ in DEMO_USERS]


def create_demo_users() -> dict[str, int]:
    """Create or refresh one demo user per role, each in the first organisation (by code) of the fitting kind.

    Refuses outside demo mode: the demo password is published.
    """
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("Demo users can only be created in demo mode (DEBUG=1).")
    counts = {"created": 0, "updated": 0}
    with transaction.atomic():
        for suffix, role, kind, first_name, last_name in DEMO_USERS:
            organisation = Organisation.objects.filter(type=kind, active=True).order_by("code").first()
            if organisation is None:
                raise ImproperlyConfigured(f"No {kind} organisation to put demo-{suffix} in: load organisations first.")
            user, created = User.objects.update_or_create(
                username=f"demo-{suffix}",
                defaults={"first_name": first_name, "last_name": last_name, "role": role,
                          "organisation": organisation, "email": f"demo-{suffix}@example.nhs.uk",
                          "is_active": True},
            )
            if created or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            counts["created" if created else "updated"] += 1
        record_event(None, "user.load_demo", object_type="user", details=counts, system_actor="createdemo")
    return counts


# CIS2-style identities for the demo identity provider (``peolc oidc-demo-provider``): subject, name, the kind of
# organisation, and the national RBAC job role code of their one role. The last maps to no peolc role, to show refusal.
DEMO_CIS2_IDENTITIES = [
    ("demo-cis2-gp", "Dr Kiran", "Shah", T.GP_PRACTICE, "S8000:G8000:R8000"),
    ("demo-cis2-nurse", "Liam", "Evans", T.COMMUNITY_PROVIDER, "S8000:G8000:R8001"),
    ("demo-cis2-student", "Maya", "Reid", T.ACUTE_TRUST, "S8000:G8000:R8004"),
]


def demo_cis2_identities() -> list[tuple[str, dict]]:
    """(subject, claims) for each demo CIS2 identity, in the first organisation (by code) of the fitting kind."""
    identities = []
    for n, (sub, first_name, last_name, kind, role_code) in enumerate(DEMO_CIS2_IDENTITIES, start=1):
        organisation = Organisation.objects.filter(type=kind, active=True).order_by("code").first()
        if organisation is None:
            raise ImproperlyConfigured(f"No {kind} organisation for {sub}: load organisations first.")
        role_id = f"55500000{n:04d}"
        identities.append((sub, {
            "given_name": first_name, "family_name": last_name, "name": f"{first_name} {last_name}",
            "email": f"{sub}@example.nhs.uk", "selected_roleid": role_id,
            "nhsid_nrbac_roles": [{"person_roleid": role_id, "org_code": organisation.code, "role_code": role_code,
                                   "person_orgid": f"55510000{n:04d}"}],
        }))
    return identities
