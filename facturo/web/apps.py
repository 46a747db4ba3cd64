from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "facturo.web"
    label = "web"
