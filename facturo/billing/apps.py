from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "facturo.billing"
    label = "billing"
