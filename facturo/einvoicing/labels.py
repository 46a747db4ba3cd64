"""Labels of the e-invoice choices for screens (translated in this app's locale)."""

from django.utils.translation import gettext_lazy as _

EINVOICE_PREFERENCES = [
    ("", _("Automatic (PEPPOL endpoint, Dutch public body, KSeF)")),
    ("peppol", _("PEPPOL BIS 3.0")),
    ("nlcius", _("NLCIUS (SI-UBL 2.0)")),
    ("cii", _("Factur-X (PDF with CII XML)")),
    ("none", _("No e-invoice")),
]
