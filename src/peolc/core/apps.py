from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "peolc.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from peolc.core.signin import connect_signals

        connect_signals()
