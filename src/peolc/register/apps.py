from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "peolc.register"
    label = "register"
    verbose_name = "Palliative care register"
