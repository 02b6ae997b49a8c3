"""Organisations, users and the audit log."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models, router, transaction
from django.utils import timezone

from peolc.core.audit_chain import GENESIS_HASH, event_hash
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

    def bulk_create(self, objs, *args, **kwargs):
        """Append several events at once, chained in the order given, under one lock of the chain head."""
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise AuditLogIsAppendOnly("Audit events are appended, never merged into existing ones.")
        events = list(objs)
        with transaction.atomic(using=self.db):
            head = AuditChainHead.locked(self.db)
            for event in events:
                head.append(event)
            created = super().bulk_create(events, *args, **kwargs)
            head.save(using=self.db)
        return created


class AuditEvent(models.Model):
    """One append-only entry in the audit log.

    Identifiers are copied rather than linked, so the trail survives the deletion or renaming of anything it
    mentions. The database refuses updates and deletes (see the triggers in migration 0004), and each event is
    chained to the one before by hashes (``peolc.core.audit_chain``), so a removal behind the database's back is
    detected by `peolc audit verify`.
    """

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Set before the hash is computed (not by auto_now_add, which would change it afterwards).
    occurred_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
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
    # The event's place in the hash chain: 1, 2, 3, ... with no gaps, unlike ids (a rolled-back insert uses one).
    position = models.BigIntegerField(unique=True, editable=False)
    previous_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit events cannot be changed.")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            head = AuditChainHead.locked(using)
            head.append(self)
            super().save(*args, **kwargs)
            head.save(using=using)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class AuditChainHead(models.Model):
    """The end of the audit log's hash chain: its one row holds the last event's position and hash.

    Every append locks this row, so concurrent appends queue rather than chain to the same predecessor (SQLite
    serialises writers anyway), and `peolc audit verify` compares it with the last event to detect a removed tail.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    position = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="core_auditchainhead_one_row")]

    @classmethod
    def locked(cls, using: str) -> AuditChainHead:
        """The chain head, locked until the end of the caller's transaction (created if missing)."""
        head, _ = cls.objects.using(using).select_for_update().get_or_create(pk=1)
        return head

    def append(self, event: AuditEvent) -> None:
        """Give ``event`` the next position and its hashes, and move the head to it (saved by the caller)."""
        event.position = self.position + 1
        event.previous_hash = self.hash
        event.hash = event_hash(event.__dict__)
        self.position, self.hash = event.position, event.hash


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit event."""
