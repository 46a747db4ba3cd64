from django.db import models

from facturo.administrations.models import Administration


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PEPPOL = "peppol", "PEPPOL"
    PRINT = "print", "Print"


class CustomerCategory(models.TextChoices):
    B2B = "b2b", "Business"
    CONSUMER = "consumer", "Consumer"
    GOVERNMENT = "government", "Government"


class EInvoicePreference(models.TextChoices):
    """Which e-invoice a customer asks for, beside what facturo derives (PEPPOL endpoint,
    Dutch public body, Polish administration)."""

    AUTOMATIC = "", "Automatic"
    PEPPOL = "peppol", "PEPPOL BIS 3.0"
    NLCIUS = "nlcius", "NLCIUS (SI-UBL 2.0)"
    FACTURX = "cii", "Factur-X (PDF with CII XML)"
    NONE = "none", "No e-invoice"


class TermsBasis(models.TextChoices):
    INVOICE_DATE = "invoice_date", "Days after invoice date"
    END_OF_MONTH = "end_of_month", "Days after end of invoice month"
    END_OF_MONTH_AFTER = "end_of_month_after", "End of month after days"


class Customer(models.Model):
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="customers")
    number = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    street = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2)
    visit_street = models.CharField(max_length=200, blank=True)
    visit_postal_code = models.CharField(max_length=20, blank=True)
    visit_city = models.CharField(max_length=100, blank=True)
    visit_country = models.CharField(max_length=2, blank=True)
    language = models.CharField(max_length=5, default="en")
    currency = models.CharField(max_length=3, default="EUR")
    vat_number = models.CharField(max_length=20, blank=True)
    registration_number = models.CharField(max_length=20, blank=True)
    iban = models.CharField(max_length=34, blank=True)
    email = models.EmailField(blank=True, help_text="Where invoices go when delivered by e-mail")
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    payment_terms_basis = models.CharField(max_length=20, choices=TermsBasis.choices, default=TermsBasis.INVOICE_DATE)
    delivery_channel = models.CharField(max_length=10, choices=DeliveryChannel.choices, default=DeliveryChannel.EMAIL)
    peppol_scheme = models.CharField(max_length=4, blank=True, help_text="EAS code, e.g. 0106, 0208, 9944")
    peppol_id = models.CharField(max_length=50, blank=True)
    category = models.CharField(max_length=12, choices=CustomerCategory.choices, default=CustomerCategory.B2B)
    einvoice_preference = models.CharField(
        max_length=10, choices=EInvoicePreference.choices, default=EInvoicePreference.AUTOMATIC, blank=True
    )
    # A standing reference the customer wants on every invoice (a public body's purchase
    # order or routing code): PEPPOL and NLCIUS need a buyer or order reference to deliver.
    buyer_reference = models.CharField(max_length=100, blank=True)
    credit_limit = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["administration", "number"], name="customer_unique_number")]
        indexes = [models.Index(fields=["administration", "name"], name="customer_admin_name_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=60, blank=True)
    receives_invoices = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """An object or location of a customer's where work is done; lines point at it."""

    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="sites")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    street = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["administration", "code"], name="site_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
