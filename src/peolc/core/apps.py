from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "peolc.core"
    label = "core"
    verbose_name = "Core"
