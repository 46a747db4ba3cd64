from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "facturo.parties"
    label = "parties"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Customer)
        auditlog.register(models.Contact)
        auditlog.register(models.Site)
