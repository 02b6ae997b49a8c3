"""Authentication rules: the demo password works only in demo mode."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend, UserModel
from django.core.exceptions import ValidationError

DEMO_PASSWORD = "peolc-demo-only"  # noqa: S105 - published on purpose; refused outside demo mode


class DemoAwareModelBackend(ModelBackend):
    """Django's model backend, except that the published demo password never signs anyone in outside demo mode."""

    def get_user(self, user_id):
        # Every page shows the user's organisation; fetch it with the user rather than in a second query.
        user = UserModel._default_manager.select_related("organisation").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password == DEMO_PASSWORD and not settings.DEMO_MODE:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class DemoPasswordValidator:
    """Refuse the published demo password as anyone's real password."""

    def validate(self, password, user=None):
        if password == DEMO_PASSWORD:
            raise ValidationError("This password is published for the demo and cannot be used.", code="demo")

    def get_help_text(self):
        return "Your password cannot be the published demo password."
