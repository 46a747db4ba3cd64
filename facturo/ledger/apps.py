from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "facturo.ledger"
    label = "ledger"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Account)
