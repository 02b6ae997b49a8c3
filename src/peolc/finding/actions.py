"""Use cases for candidates: who may see them, and recording a practice's review of each."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from peolc.core.actions import require_permission
from peolc.core.audit import record_event
from peolc.core.models import Organisation, OrganisationType, User
from peolc.core.permissions import Permission
from peolc.finding import models as m


def practices_in_scope(user: User) -> QuerySet[Organisation]:
    """Practices whose candidates ``user`` may see: their own practice, or the practices of their PCN or locality."""
    organisation = user.organisation
    # Candidates are identifiable: the whole ICB is not a care relationship with anyone.
    if organisation is None or organisation.type == OrganisationType.ICB:
        return Organisation.objects.none()
    return organisation.practices().filter(active=True)


def open_candidates(actor: User, practice: Organisation, status: str | None = None) -> list[m.Candidate]:
    """A practice's candidates (of one review status, if given), for a user with a relationship with it.

    The view is audited, with the ids of the candidates shown (they are identifiable).
    """
    require_permission(actor, Permission.VIEW_CANDIDATES)
    if not practices_in_scope(actor).filter(pk=practice.pk).exists():
        raise PermissionDenied("You can only see candidates for your own practice or network.")
    candidates = m.Candidate.objects.filter(practice=practice).select_related("practice")
    if status is not None:
        candidates = candidates.filter(status=status)
    shown = list(candidates)
    record_event(actor, "finding.view_candidates", object_type="organisation", object_id=practice.code,
                 details={"candidates": len(shown), "status": status or "any", "shown": [str(c.pk) for c in shown]})
    return shown


def candidate_for(actor: User, candidate_id) -> m.Candidate:
    """One candidate, if ``actor`` may see their practice's candidates."""
    require_permission(actor, Permission.VIEW_CANDIDATES)
    candidate = m.Candidate.objects.select_related("practice").filter(pk=candidate_id).first()
    if candidate is None or not practices_in_scope(actor).filter(pk=candidate.practice_id).exists():
        raise PermissionDenied("This candidate is not at a practice in your organisation.")
    return candidate


def open_candidate(actor: User, candidate_id) -> m.Candidate:
    """One candidate, to review and add to the register; the view is audited (the page shows their NHS number)."""
    candidate = candidate_for(actor, candidate_id)
    record_event(actor, "finding.view_candidate", object_type="candidate", object_id=candidate.pk,
                 details={"practice": candidate.practice.code})
    return candidate


def review_candidate(actor: User, candidate: m.Candidate, status: str, note: str = "") -> m.Candidate:
    """Record that a candidate was added to the register, or judged not appropriate for now (with a note)."""
    candidate = candidate_for(actor, candidate.pk)
    if status not in m.CandidateStatus.values:
        raise ValidationError({"status": "Choose an outcome."})
    if status == m.CandidateStatus.NOT_APPROPRIATE and not note.strip():
        raise ValidationError({"note": "Say briefly why, so colleagues can see the decision."})
    with transaction.atomic():
        candidate.status, candidate.review_note = status, note.strip()
        candidate.reviewed_by, candidate.reviewed_at = actor.get_username(), timezone.now()
        candidate.save()
        record_event(actor, "finding.review_candidate", object_type="candidate", object_id=candidate.pk,
                     details={"status": status, "practice": candidate.practice.code})
    return candidate
