"""Whose small numbers a user may see: the web app's half of the small-number policy (``peolc.analytics.disclosure``).

Staff who see records may see unsuppressed aggregates only for areas within their own organisation's subtree: their
practice; their PCN and its practices; their locality with its PCNs and practices. Those people are already theirs to
care for. Every other area, the ICB as a whole included (it is no care relationship with anyone), and every area for
aggregate-only users, gets the suppressed figures.
"""

from __future__ import annotations

from django.db.models import Q

from peolc.core.models import Organisation, OrganisationType, User


def unsuppressed_areas(user: User) -> frozenset[str]:
    """Codes of the areas whose figures ``user`` may see unsuppressed (empty for aggregate-only users)."""
    organisation = getattr(user, "organisation", None)
    if not user.is_authenticated or user.sees_aggregates_only or organisation is None \
            or organisation.type == OrganisationType.ICB:
        return frozenset()
    below = Organisation.objects.filter(Q(parent=organisation) | Q(parent__parent=organisation))
    return frozenset([organisation.code, *below.values_list("code", flat=True)])
