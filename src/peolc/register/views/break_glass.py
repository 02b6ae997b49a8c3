"""Emergency access (break-glass) to a record, and the privacy officer's review of it."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from peolc.core.permissions import Permission
from peolc.core.requests import AuthenticatedRequest
from peolc.core.views import form_view, permission_required
from peolc.register import access, actions
from peolc.register import forms as f
from peolc.register import models as m


@permission_required(Permission.BREAK_GLASS)
def break_glass(request: AuthenticatedRequest, pk) -> HttpResponse:
    """Ask for a reason, then grant time-limited emergency access to a record outside the user's scope."""
    person = get_object_or_404(m.Person.objects.select_related("practice", "entry"), pk=pk)
    if request.method == "GET":
        actions.open_break_glass_page(request.user, person)
    return form_view(
        request, f.BreakGlassForm(request.POST or None), "register/break_glass.jinja",
        save=lambda data: actions.break_glass(request.user, person, data["reason"],
                                              vital_interests=data["vital_interests"]),
        declined=access.declined_sharing(person),
        success=lambda _: "Emergency access granted for 12 hours. Your reason has been recorded.",
        next_url=reverse("register:record", args=[person.pk]), page_title="Emergency access", person=person,
    )


@permission_required(Permission.REVIEW_BREAK_GLASS)
def break_glass_review_list(request: AuthenticatedRequest) -> HttpResponse:
    """Break-glass grants in the privacy officer's scope, unreviewed first (or all)."""
    grants = actions.break_glass_in_review_scope(request.user)
    show = request.GET.get("show", "unreviewed")
    if show == "unreviewed":
        grants = grants.filter(reviewed_at__isnull=True)
    page = Paginator(grants, 50).get_page(request.GET.get("page"))
    actions.record_list_shown(request.user, "register.view_break_glass_reviews", [grant.person for grant in page],
                              show="unreviewed" if show == "unreviewed" else "all", page=page.number)
    return render(request, "register/break_glass_review.jinja", {
        "page_title": "Break-glass access to review", "page": page, "show": show,
        "form": f.BreakGlassReviewForm(),
    })


@require_POST
@permission_required(Permission.REVIEW_BREAK_GLASS)
def break_glass_review(request: AuthenticatedRequest, grant_id: int) -> HttpResponse:
    """Record the privacy officer's review of one grant."""
    grant = get_object_or_404(m.BreakGlassAccess, pk=grant_id)
    form = f.BreakGlassReviewForm(request.POST)
    if form.is_valid():
        actions.review_break_glass(request.user, grant, form.cleaned_data["review_outcome"],
                                   form.cleaned_data["review_note"])
        messages.success(request, "Review recorded.")
    else:
        messages.error(request, "Choose whether the access was appropriate.")
    return redirect("register:break-glass-review-list")
