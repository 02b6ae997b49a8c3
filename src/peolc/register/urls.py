from django.urls import path

from peolc.register import views

app_name = "register"

urlpatterns = [
    path("", views.register_list, name="list"),
    path("export.csv", views.register_export, name="export"),
    path("worklists/", views.worklists, name="worklists"),
    path("find/", views.find_person, name="find"),
    path("add/", views.add_person, name="add"),
    path("import/", views.import_register, name="import"),
    path("break-glass/", views.break_glass_review_list, name="break-glass-review-list"),
    path("break-glass/<int:grant_id>/review/", views.break_glass_review, name="break-glass-review"),
    path("people/<uuid:pk>/", views.record, name="record"),
    path("people/<uuid:pk>/emergency-summary/", views.emergency_summary, name="emergency-summary"),
    path("people/<uuid:pk>/access-report/", views.access_report, name="access-report"),
    path("people/<uuid:pk>/break-glass/", views.break_glass, name="break-glass"),
    path("people/<uuid:pk>/<slug:section>/edit/", views.edit_section, name="edit-section"),
    path("people/<uuid:pk>/<slug:section>/history/", views.section_history, name="section-history"),
    path("people/<uuid:pk>/<slug:section>/review/", views.review_section, name="review-section"),
]
