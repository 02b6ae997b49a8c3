from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "peolc.directory"
    label = "directory"
    verbose_name = "Directory of services"
