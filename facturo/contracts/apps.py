from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "facturo.contracts"
    label = "contracts"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Contract)
        auditlog.register(models.ContractLine)
