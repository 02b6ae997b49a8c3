"""The site's URLs. Every page needs a signed-in user unless its view is marked ``login_not_required``."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from peolc.core import oidc
from peolc.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accessibility/", core_views.accessibility, name="accessibility"),
    path("privacy/", core_views.privacy, name="privacy"),
    path("sign-in/", core_views.sign_in, name="login"),
    path("sign-out/", core_views.sign_out, name="logout"),
    path("sign-in/oidc/start/", login_not_required(oidc.start), name="oidc-start"),
    path("sign-in/oidc/callback/", login_not_required(oidc.callback), name="oidc-callback"),
    path("password-reset/", core_views.password_reset, name="password_reset"),
    path("password-reset/sent/", core_views.password_reset_done, name="password_reset_done"),
    path("password-reset/complete/", core_views.password_reset_complete, name="password_reset_complete"),
    path("password-reset/<uidb64>/<token>/", core_views.password_set, name="password_reset_confirm"),
    path("account/password/", core_views.password_change, name="password_change"),
    path("admin/", include("peolc.core.urls")),
    path("register/", include("peolc.register.urls")),
    path("finding/", include("peolc.finding.urls")),
    path("outcomes/", include("peolc.outcomes.urls")),
    path("directory/", include("peolc.directory.urls")),
]

handler400 = "peolc.core.views.bad_request"
handler403 = "peolc.core.views.permission_denied"
handler404 = "peolc.core.views.page_not_found"
handler500 = "peolc.core.views.server_error"
