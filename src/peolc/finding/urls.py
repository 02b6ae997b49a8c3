from django.urls import path  # noqa: F401 - patterns arrive with the pages

app_name = "finding"

urlpatterns: list = []
