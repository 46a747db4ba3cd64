from django.db import models

from facturo.administrations.models import Administration
from facturo.catalog.models import VAT_CATEGORY_CHOICES


class ChargeState(models.TextChoices):
    OPEN = "open", "Open"
    INVOICED = "invoiced", "Invoiced"
    DEFERRED = "deferred", "Deferred"
    SKIPPED = "skipped", "Skipped"


class Charge(models.Model):
    """Something to bill. `unique_key` (source kind + source id + period) is unique in the
    database, so a source that hands the same charge over twice gets an error, not a duplicate."""

    # Indexed through the composite and unique keys that lead with it.
    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="charges")
    customer = models.ForeignKey("parties.Customer", on_delete=models.PROTECT, related_name="charges")
    item = models.ForeignKey(
        "catalog.Item", null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    unit = models.CharField(max_length=3, default="C62")
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="EUR")
    vat_category = models.CharField(max_length=2, choices=VAT_CATEGORY_CHOICES)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    service_date = models.DateField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    site = models.ForeignKey(
        "parties.Site", null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="+"
    )
    contract_reference = models.CharField(max_length=60, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The source's payment terms (days after the invoice date); empty = customer's"
    )
    delivery_channel = models.CharField(
        max_length=10, blank=True, help_text="The source's delivery channel; empty = the customer's"
    )
    source_kind = models.CharField(max_length=30)
    source_id = models.CharField(max_length=60)
    unique_key = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=ChargeState.choices, default=ChargeState.OPEN)
    deferred_until = models.DateField(null=True, blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["administration", "unique_key"], name="charge_unique_key"),
            models.CheckConstraint(
                condition=~models.Q(state="deferred") | models.Q(deferred_until__isnull=False),
                name="charge_deferred_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="skipped") | ~models.Q(skip_reason=""),
                name="charge_skipped_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["administration", "state", "customer"], name="charge_admin_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unique_key}: {self.description}"
