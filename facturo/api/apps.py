from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "facturo.api"
    label = "api"
