"""What the register's pages share: loading a whole record, and explaining a refusal."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from peolc.core.requests import AuthenticatedRequest
from peolc.register import access, queries
from peolc.register import models as m


def load_person(pk) -> m.Person:
    """A person with every section of their record, or a 404."""
    return get_object_or_404(queries.people_with_records(), pk=pk)


def refused(request: AuthenticatedRequest, person: m.Person, what: str) -> HttpResponse:
    """Explain a refusal and offer what the user may do instead (break-glass, or the emergency summary).

    The action that refused (``open_record`` and the like) has already audited it.
    """
    return render(request, "register/refused.jinja", {
        "page_title": "You do not have access to this record",
        "person": person,
        "what": what,
        "declined": access.declined_sharing(person),
        "may_break_glass": access.may_break_glass(request.user, person),
        "may_see_summary": access.emergency_summary_basis(request.user, person) is not None,
    }, status=403)
