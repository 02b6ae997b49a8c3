from django.urls import path

from peolc.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("equity-audit/", views.equity_audit, name="equity-audit"),
    path("indicators/<slug:indicator_id>/", views.indicator, name="indicator"),
]
