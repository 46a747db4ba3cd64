from django.apps import AppConfig


class EInvoicingConfig(AppConfig):
    """E-invoices (PEPPOL BIS 3.0, NLCIUS, Factur-X CII, KSeF FA(3)): no models, its own labels."""

    name = "facturo.einvoicing"
    label = "einvoicing"
