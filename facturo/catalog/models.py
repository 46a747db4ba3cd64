from django.db import models

from facturo.administrations.models import Administration
from facturo.core.vat import CATEGORY_LABELS, VatCategory

VAT_CATEGORY_CHOICES = [(c.value, CATEGORY_LABELS[c]) for c in VatCategory]


class RateKind(models.TextChoices):
    STANDARD = "standard", "Standard"
    REDUCED = "reduced", "Reduced"
    SUPER_REDUCED = "super_reduced", "Second reduced"
    ZERO = "zero", "Zero"
    NONE = "none", "No VAT (exempt, reverse charge, export, outside scope)"


class VatRate(models.Model):
    """A country's VAT rate of one kind, valid over a period: rate changes are new rows."""

    country = models.CharField(max_length=2)
    kind = models.CharField(max_length=15, choices=RateKind.choices)
    category = models.CharField(max_length=2, choices=VAT_CATEGORY_CHOICES)
    rate = models.DecimalField(max_digits=5, decimal_places=2)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["country", "category", "-rate", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["country", "kind", "valid_from"], name="vatrate_unique_kind_from")
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.kind} {self.rate}% ({self.category})"


class VatExemption(models.Model):
    """The reason text the law wants on an invoice without VAT, per category and language."""

    category = models.CharField(max_length=2, choices=VAT_CATEGORY_CHOICES)
    code = models.CharField(max_length=30, help_text="VATEX code (CEF code list)")
    language = models.CharField(max_length=5)
    text = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "language"], name="vatexemption_unique_code_lang")]


class Item(models.Model):
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(max_length=30)
    names = models.JSONField(default=dict, help_text='Name per language, e.g. {"nl": "...", "en": "..."}')
    unit = models.CharField(max_length=3, default="C62", help_text="UN/ECE Recommendation 20 code")
    default_price = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    vat_category = models.CharField(max_length=2, choices=VAT_CATEGORY_CHOICES, default=VatCategory.S)
    vat_kind = models.CharField(max_length=15, choices=RateKind.choices, default=RateKind.STANDARD)
    revenue_account = models.ForeignKey(
        "ledger.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["administration", "code"], name="item_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name()}"

    def name(self, language: str = "en") -> str:
        return self.names.get(language) or self.names.get("en") or next(iter(self.names.values()), self.code)
