from django.apps import AppConfig


class ChargesConfig(AppConfig):
    name = "facturo.charges"
    label = "charges"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Charge)
