from django.apps import AppConfig


class AdministrationsConfig(AppConfig):
    name = "facturo.administrations"
    label = "administrations"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Administration)
        auditlog.register(models.Membership)
        auditlog.register(models.InvoiceSeries)
