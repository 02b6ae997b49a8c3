"""Home, sign-in, health check, error pages and the administration of users and organisations."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from peolc.core import forms, oidc
from peolc.core.actions import organisations as organisation_actions
from peolc.core.actions import users as user_actions
from peolc.core.audit import REFUSED, RecordedRefusal, record_event, refuse
from peolc.core.models import AuditEvent, Organisation, User
from peolc.core.permissions import Permission
from peolc.core.requests import AuthenticatedRequest
from peolc.core.signin import client_ip


def permission_required(permission: Permission):
    """Refuse (403) users whose role does not grant ``permission``; the refusal is audited."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_permission(permission):
                raise refuse(request.user, details={"permission": permission.value, **_where(request)})
            return view(request, *args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


def _where(request: HttpRequest) -> dict[str, str]:
    # The path, never the query string: paths hold only opaque ids, a query string could hold anything typed.
    match = request.resolver_match
    return {"view": match.view_name if match else "", "method": request.method or "", "path": request.path}


def render_form_page(request: HttpRequest, template: str, form, status: int | None = None, **context):
    """Render a page holding ``form``, with the error summary filled when it has errors."""
    context.update(form=form, form_errors=forms.error_list(form) if form.is_bound else [])
    if status is None:
        status = 400 if form.is_bound and form.errors else 200
    return render(request, template, context, status=status)


def form_view(request: HttpRequest, form, template: str, *, save, success, next_url: str, **context):
    """The usual form page: show ``form``; on a valid POST call ``save(cleaned_data)`` (an action), flash
    ``success(result)`` and redirect to ``next_url``; an action's ``ValidationError`` comes back on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as error:
            apply_action_errors(form, error)
        else:
            messages.success(request, success(result))
            return redirect(next_url)
    return render_form_page(request, template, form, **context)


def apply_action_errors(form, error: ValidationError) -> None:
    """Attach an action's ``ValidationError`` to the form fields it names (or the form as a whole)."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


# --- pages everyone may see -------------------------------------------------------------------------------------


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database readiness for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": "ok"})
    except Exception:  # noqa: BLE001 - any failure means not ready
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.jinja", {"page_title": "Accessibility statement"})


@login_not_required
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.jinja", {"page_title": "Privacy and audit"})


class SignInView(auth_views.LoginView):
    """Sign in. Failed attempts are counted by django-axes, which locks out after repeated failures."""

    template_name = "core/login.jinja"
    authentication_form = forms.SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["page_title"] = "Sign in"
        context["oidc_enabled"] = oidc.enabled()
        context["form_errors"] = forms.error_list(form) if form.is_bound else []
        return context

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


sign_in = login_not_required(never_cache(SignInView.as_view()))
sign_out = auth_views.LogoutView.as_view()


def locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """Shown by django-axes after too many failed sign-in attempts."""
    return render(request, "core/locked_out.jinja", {
        "page_title": "Too many attempts", "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }, status=429)


# --- passwords: self-service reset, first-time setting, changing ------------------------------------------------


@login_not_required
@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a one-time link to set a new password. The answer is the same whether or not the address is known."""
    form = forms.PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_actions.request_password_reset(form.cleaned_data["email"], source=client_ip(request),
                                                site_url=request.build_absolute_uri("/"))
        except user_actions.TooManyResetRequests:
            return render(request, "core/error.jinja", {
                "page_title": "Too many requests",
                "message": "Password reset has been asked for too often. Wait an hour and try again, or ask your "
                "organisation's system administrator.",
            }, status=429)
        return redirect("password_reset_done")
    return render_form_page(request, "core/password_reset.jinja", form, page_title="Reset your password")


@login_not_required
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "core/password_reset_done.jinja", {"page_title": "Check your email"})


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Set a password from a one-time link (a new account's first password, or a reset)."""

    template_name = "core/password_set.jinja"
    form_class = forms.NewPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # Accounts that sign in through the identity provider have no password here to set.
        return None if user is None or user.signs_in_with_oidc else user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        context["page_title"] = "Set your password" if context["validlink"] else "This link has expired"
        context["form_errors"] = forms.error_list(form) if form is not None and form.is_bound else []
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        user_actions.record_password_set(form.user, via="link")
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


password_set = login_not_required(SetPasswordView.as_view())


@login_not_required
def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "core/password_reset_complete.jinja", {"page_title": "Your password has been set"})


class ChangePasswordView(auth_views.PasswordChangeView):
    """Change one's own password. Also where a user must go first when their password was set by someone else."""

    template_name = "core/password_change.jinja"
    form_class = forms.ChangePasswordForm
    success_url = reverse_lazy("home")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.signs_in_with_oidc:
            return render(request, "core/error.jinja", {
                "page_title": "Your password is not kept here",
                "message": "You sign in with NHS Care Identity (your smartcard or authenticator). Change your "
                "password or passcode through NHS Care Identity Service 2.",
            })
        if request.user.is_authenticated and not request.user.has_usable_password():
            self.form_class = forms.NewPasswordForm
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["page_title"] = "Change your password"
        context["must_change"] = self.request.user.must_change_password
        context["form_errors"] = forms.error_list(form) if form.is_bound else []
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        user_actions.record_password_set(form.user, via="change")
        messages.success(self.request, "Your password has been changed.")
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


password_change = ChangePasswordView.as_view()


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "core/error.jinja", {
        "page_title": "Your session has expired",
        "message": "For your security, this form could not be submitted. Go back, refresh the page and try again.",
    }, status=403)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    # The one place every refusal passes: those no action or decorator recorded are recorded here.
    if not isinstance(exception, RecordedRefusal):
        record_event(getattr(request, "user", None), REFUSED,
                     details={"message": str(exception or ""), **_where(request)})
    return render(request, "core/error.jinja", {
        "page_title": "You cannot view this page",
        "message": str(exception) if exception and str(exception) else
        "Your role or organisation does not allow this. Ask your system administrator if you need access.",
    }, status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "core/error.jinja", {
        "page_title": "Page not found",
        "message": "If you typed the web address, check it is correct. If you pasted it, check you copied all of it.",
    }, status=404)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "core/error.jinja", {
        "page_title": "Sorry, there is a problem with this request",
        "message": "Go back and try again.",
    }, status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error.jinja", {
        "page_title": "Sorry, there is a problem with the service",
        "message": "Try again later. The problem has been logged with a reference you can quote: "
        + getattr(request, "request_id", ""),
    }, status=500)


# --- signed-in pages --------------------------------------------------------------------------------------------


def home(request: AuthenticatedRequest) -> HttpResponse:
    """What the signed-in user can do, by role."""
    return render(request, "core/home.jinja", {"page_title": "Home"})


@permission_required(Permission.MANAGE_USERS)
def user_list(request: AuthenticatedRequest) -> HttpResponse:
    users = User.objects.select_related("organisation").order_by("username")
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "core/user_list.jinja", {"page_title": "Users", "page": page})


@permission_required(Permission.MANAGE_USERS)
def user_create(request: AuthenticatedRequest) -> HttpResponse:
    return form_view(
        request, forms.NewUserForm(request.POST or None), "core/user_form.jinja",
        save=lambda data: user_actions.create_user(request.user, site_url=request.build_absolute_uri("/"), **data),
        success=lambda user: f"User {user.username} created. They have been emailed a link to set their password.",
        next_url="core:user-list", page_title="Add a user",
    )


@permission_required(Permission.MANAGE_USERS)
@require_POST
def user_reset_password(request: AuthenticatedRequest, username: str) -> HttpResponse:
    """Invalidate a user's password and email them a one-time link to set a new one."""
    user = get_object_or_404(User, username=username)
    try:
        user_actions.reset_password(request.user, user, site_url=request.build_absolute_uri("/"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{user.username}'s password no longer works. They have been emailed a link "
                                  "to set a new one.")
    return redirect("core:user-edit", username=user.username)


@permission_required(Permission.MANAGE_USERS)
def user_edit(request: AuthenticatedRequest, username: str) -> HttpResponse:
    user = get_object_or_404(User, username=username)
    initial = {field: getattr(user, field) for field in forms.EditUserForm.base_fields}
    return form_view(
        request, forms.EditUserForm(request.POST or None, initial=initial), "core/user_form.jinja",
        save=lambda data: user_actions.update_user(request.user, user, **data),
        success=lambda _: f"User {user.username} updated.", next_url="core:user-list",
        page_title=f"Edit user {user.username}", edited=user,
    )


@permission_required(Permission.MANAGE_ORGANISATIONS)
def organisation_list(request: AuthenticatedRequest) -> HttpResponse:
    organisations = Organisation.objects.select_related("parent", "locality").order_by("type", "name")
    kind = request.GET.get("type", "")
    if kind:
        organisations = organisations.filter(type=kind)
    page = Paginator(organisations, 50).get_page(request.GET.get("page"))
    return render(request, "core/organisation_list.jinja", {
        "page_title": "Organisations", "page": page, "kind": kind,
        "types": Organisation._meta.get_field("type").choices,
    })


@permission_required(Permission.MANAGE_ORGANISATIONS)
def organisation_create(request: AuthenticatedRequest) -> HttpResponse:
    return form_view(
        request, forms.NewOrganisationForm(request.POST or None), "core/organisation_form.jinja",
        save=lambda data: organisation_actions.create_organisation(request.user, **data),
        success=lambda organisation: f"{organisation.name} added.", next_url="core:organisation-list",
        page_title="Add an organisation",
    )


@permission_required(Permission.MANAGE_ORGANISATIONS)
def organisation_edit(request: AuthenticatedRequest, code: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, code=code)
    initial = {field: getattr(organisation, field) for field in forms.EditOrganisationForm.base_fields}
    return form_view(
        request, forms.EditOrganisationForm(request.POST or None, initial=initial), "core/organisation_form.jinja",
        save=lambda data: organisation_actions.update_organisation(request.user, organisation, **data),
        success=lambda _: f"{organisation.name} updated.", next_url="core:organisation-list",
        page_title=f"Edit {organisation.name}", edited=organisation,
    )


@permission_required(Permission.VIEW_AUDIT_LOG)
def audit_log(request: AuthenticatedRequest) -> HttpResponse:
    """The audit log, newest first. Read-only: there is no way to change or remove an entry."""
    form = forms.AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.all()
    if form.is_valid():
        if form.cleaned_data["action"]:
            events = events.filter(action=form.cleaned_data["action"])
        if form.cleaned_data["actor"]:
            events = events.filter(actor_username=form.cleaned_data["actor"].strip().lower())
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.jinja", {"page_title": "Audit log", "page": page, "form": form})
