"""Organisations, users and the audit log."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models

from peolc.core.permissions import Permission, Role, permissions_for


class OrganisationType(models.TextChoices):
    """Kinds of organisation; the same strings as the linked dataset contract's ``organisations.type``."""

    ICB = "icb", "Integrated care board"
    LOCALITY = "locality", "Locality (place)"
    PCN = "pcn", "Primary care network"
    GP_PRACTICE = "gp_practice", "GP practice"
    ACUTE_TRUST = "acute_trust", "Acute hospital trust"
    COMMUNITY_PROVIDER = "community_provider", "Community health provider"
    HOSPICE = "hospice", "Hospice"
    CARE_HOME = "care_home", "Care home"
    URGENT_CARE = "urgent_care", "111 and out-of-hours service"
    AMBULANCE_SERVICE = "ambulance_service", "Ambulance service"
    PHARMACY = "pharmacy", "Pharmacy"
    LOCAL_AUTHORITY = "local_authority", "Local authority"


class Organisation(models.Model):
    """An organisation in the integrated care system, identified by an ODS-style code."""

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=32, choices=OrganisationType.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    locality = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"type": OrganisationType.LOCALITY},
    )
    postcode = models.CharField(max_length=8, blank=True)
    active = models.BooleanField(default=True)
    # GP practices: people registered (the list size), for register prevalence. Loaded from the linked data.
    registered_population = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def practices(self) -> models.QuerySet[Organisation]:
        """GP practices at or beneath this organisation: itself, or those of its PCN or locality; all for the ICB."""
        practices = Organisation.objects.filter(type=OrganisationType.GP_PRACTICE)
        if self.type == OrganisationType.ICB:
            return practices
        return practices.filter(models.Q(pk=self.pk) | models.Q(parent=self) | models.Q(parent__parent=self))

    def ancestors(self) -> list[Organisation]:
        """This organisation's parents, nearest first."""
        chain: list[Organisation] = []
        seen = {self.pk}
        node = self.parent
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


class User(AbstractUser):
    """A member of staff using peolc, in one organisation with one role."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    job_title = models.CharField(max_length=100, blank=True)
    # Set when an administrator creates the account or resets its password; cleared only when the user sets a
    # password themselves. While set, every page but sign-out leads to setting one (PasswordChangeRequiredMiddleware).
    must_change_password = models.BooleanField(default=False)
    # The OpenID Connect subject (NHS CIS2 UUID) of an account that signs in through the identity provider. Such
    # accounts have no local password. Accounts are matched on this only, never on an email address.
    oidc_subject = models.CharField(max_length=255, unique=True, null=True, blank=True, default=None)

    def has_permission(self, permission: Permission) -> bool:
        """Whether this user's role grants ``permission`` (inactive users have none)."""
        return self.is_active and permission in permissions_for(self.role)

    @property
    def sees_aggregates_only(self) -> bool:
        """Users who never see records (e.g. ICB analysts) get small numbers suppressed on aggregate pages."""
        return not self.has_permission(Permission.VIEW_RECORD)

    @property
    def signs_in_with_oidc(self) -> bool:
        """Whether this account signs in through the identity provider (and so has no local password)."""
        return bool(self.oidc_subject)

    @property
    def permissions(self) -> frozenset[Permission]:
        """Every permission this user's role grants."""
        return permissions_for(self.role) if self.is_active else frozenset()


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be changed.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One append-only entry in the audit log.

    Identifiers are copied rather than linked, so the trail survives the deletion or renaming of anything it
    mentions. The database refuses updates and deletes (see the triggers in migration 0002).
    """

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_organisation = models.CharField(max_length=12, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise AuditLogIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit event."""
