"""Directory URLs: the public search and service pages, the ORUK API, editors' pages and the gap map."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from peolc.directory import views
from peolc.directory.api import api

app_name = "directory"


def _public_api(view):
    """Open a read endpoint to anyone, from any origin."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return login_not_required(wrapped)


def _api_patterns():
    patterns, _app, _namespace = api.urls
    for pattern in patterns:
        # Editors' endpoints stay behind sign-in; everything else is the public, read-only ORUK API.
        if not str(pattern.pattern).startswith("manage/"):
            pattern.callback = _public_api(pattern.callback)
    return patterns, "directory-api"


urlpatterns = [
    path("", views.search_page, name="search"),
    path("services/<uuid:pk>/", views.service_page, name="service"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.service_edit, name="service-new"),
    path("manage/import/", views.import_page, name="import"),
    path("manage/<uuid:pk>/edit/", views.service_edit, name="service-edit"),
    path("manage/<uuid:pk>/review/", views.service_review, name="service-review"),
    path("manage/<uuid:pk>/history/", views.service_history, name="service-history"),
    path("gaps/", views.gap_map, name="gaps"),
    path("gaps.csv", views.gap_map_csv, name="gaps-csv"),
    # The ORUK API is a NinjaAPI with its own namespace, nested here as "directory:directory-api".
    path("api/", include(_api_patterns())),
]
