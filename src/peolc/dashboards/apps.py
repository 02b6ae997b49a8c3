from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "peolc.dashboards"
    label = "dashboards"
    verbose_name = "Outcomes dashboard"
