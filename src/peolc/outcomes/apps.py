from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "peolc.outcomes"
    # The app was first called "dashboards", and its label names its tables and migration history. Keeping the label
    # lets every existing database migrate unchanged; the code, URLs and templates say "outcomes" (docs/adr/0005).
    label = "dashboards"
    verbose_name = "Outcomes framework"
