"""User administration use cases."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from peolc.core.actions import apply_changes, require_permission
from peolc.core.audit import record_event
from peolc.core.models import Organisation, User
from peolc.core.permissions import Permission, Role

_EDITABLE_FIELDS = ("first_name", "last_name", "email", "job_title", "organisation", "role", "is_active")


def create_user(
    actor: User,
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    role: str,
    password: str,
    job_title: str = "",
) -> User:
    """Create a user account in an organisation with a role."""
    require_permission(actor, Permission.MANAGE_USERS)
    user = User(
        username=username.strip().lower(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip().lower(),
        organisation=organisation,
        role=role,
        job_title=job_title.strip(),
    )
    _validate(user)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    with transaction.atomic():
        user.save()
        record_event(actor, "user.create", object_type="user", object_id=user.username,
                     details={"organisation": organisation.code, "role": role})
    return user


def update_user(actor: User, user: User, **changes) -> User:
    """Change a user's details, organisation, role or active flag. Administrators cannot lock themselves out."""
    require_permission(actor, Permission.MANAGE_USERS)
    if user.pk == actor.pk and (
        changes.get("is_active") is False or changes.get("role", actor.role) != actor.role
    ):
        raise PermissionDenied("You cannot deactivate yourself or change your own role.")
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        changed = apply_changes(current, changes, allowed=_EDITABLE_FIELDS, validate=_validate)
        if changed:
            current.save()
            record_event(actor, "user.update", object_type="user", object_id=current.username,
                         details={"changed": changed})
    return current


def _validate(user: User) -> None:
    if user.role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if user.organisation is None:
        raise ValidationError({"organisation": "Choose an organisation."})
    user.full_clean(exclude=["password"])

