from django.urls import path

from peolc.core import views

app_name = "core"

urlpatterns = [
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<str:username>/", views.user_edit, name="user-edit"),
    path("users/<str:username>/reset-password/", views.user_reset_password, name="user-reset-password"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/<str:code>/", views.organisation_edit, name="organisation-edit"),
    path("audit/", views.audit_log, name="audit-log"),
]
