from django.apps import AppConfig


class FindingConfig(AppConfig):
    name = "peolc.finding"
    label = "finding"
    verbose_name = "Finding people early"
