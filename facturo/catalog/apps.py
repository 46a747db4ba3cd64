from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "facturo.catalog"
    label = "catalog"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Item)
        auditlog.register(models.VatRate)
