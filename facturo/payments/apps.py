from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "facturo.payments"
    label = "payments"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.BankAccount)
