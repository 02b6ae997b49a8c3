"""The request type of views behind sign-in."""

from __future__ import annotations

from django.http import HttpRequest

from peolc.core.models import User


class AuthenticatedRequest(HttpRequest):
    """A request from a signed-in user.

    Sign-in is required everywhere but the ``login_not_required`` views (Django's ``LoginRequiredMiddleware``), so
    every other view takes this type and reads ``request.user`` as a ``User``, never an ``AnonymousUser``.
    """

    user: User
