from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "facturo.invoicing"
    label = "invoicing"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Invoice, exclude_fields=["chain_hash", "chain_prev_hash"])
        auditlog.register(models.InvoiceLine)
        auditlog.register(models.InvoiceAllowanceCharge)
