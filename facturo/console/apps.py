from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "facturo.console"
    label = "console"
