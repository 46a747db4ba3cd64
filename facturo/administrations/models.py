from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    BILLING_CLERK = "billing_clerk", "Billing clerk"
    COLLECTOR = "collector", "Collector"
    AUDITOR = "auditor", "Auditor (read-only)"


class Administration(models.Model):
    """A legal entity that invoices. Every business record belongs to exactly one."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    street = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2)
    vat_number = models.CharField(max_length=20, blank=True)
    registration_number = models.CharField(max_length=20, blank=True, help_text="KvK (NL), KBO/BCE (BE), NIP/KRS (PL)")
    iban = models.CharField(max_length=34, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    locale = models.CharField(max_length=10, default="en")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    fiscal_year_start_month = models.PositiveSmallIntegerField(default=1)
    fiscal_year_start_day = models.PositiveSmallIntegerField(default=1)
    requires_approval = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "administration"], name="membership_unique_user_admin")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.administration}: {self.role}"


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class InvoiceSeries(models.Model):
    """A numbering series; numbers restart every fiscal year."""

    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="series")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    document_kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    pattern = models.CharField(max_length=60, default="{year}-{seq:06d}")
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "code"], name="series_unique_code"),
            models.UniqueConstraint(
                fields=["administration", "document_kind"],
                condition=models.Q(is_default=True),
                name="series_one_default_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class NumberSequence(models.Model):
    """The last number handed out per series and fiscal year.

    Issuing locks this row and bumps it in the same transaction that stores the number,
    so a crash rolls both back: no gap, no duplicate.
    """

    series = models.ForeignKey(InvoiceSeries, on_delete=models.PROTECT, related_name="sequences")
    fiscal_year = models.PositiveIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "fiscal_year"], name="sequence_unique_year")]
