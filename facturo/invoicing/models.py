from django.conf import settings
from django.db import models

from facturo.administrations.models import Administration, DocumentKind, InvoiceSeries
from facturo.catalog.models import VAT_CATEGORY_CHOICES

MONEY = {"max_digits": 18, "decimal_places": 2, "default": 0}


class InvoiceState(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    ISSUED = "issued", "Issued"


class SettlementChoices(models.TextChoices):
    OPEN = "open", "Open"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    CREDITED = "credited", "Credited"
    WRITTEN_OFF = "written_off", "Written off"


# Columns that may still change on an issued invoice: its settlement, never its content.
# The database trigger (migration 0002) enforces this list.
SETTLEMENT_COLUMNS = (
    "amount_paid",
    "amount_credited",
    "amount_written_off",
    "amount_open",
    "settlement",
)


class Invoice(models.Model):
    # Composite indexes below lead with the administration; single-column FK indexes that no
    # query uses are left out, as each one costs every insert and update of a document.
    administration = models.ForeignKey(
        Administration, db_index=False, on_delete=models.PROTECT, related_name="invoices"
    )
    customer = models.ForeignKey("parties.Customer", on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices, default=DocumentKind.INVOICE)
    state = models.CharField(max_length=10, choices=InvoiceState.choices, default=InvoiceState.DRAFT)
    settlement = models.CharField(max_length=15, choices=SettlementChoices.choices, blank=True)
    # Indexed only where set (invoice_corrects_idx): most documents correct nothing, and a
    # full index took an entry for every draft and every issued invoice.
    corrects = models.ForeignKey(
        "self", null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="credit_notes"
    )
    series = models.ForeignKey(InvoiceSeries, null=True, blank=True, db_index=False, on_delete=models.PROTECT)
    number = models.CharField(max_length=40, null=True, blank=True)
    fiscal_year = models.PositiveIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    language = models.CharField(max_length=5, default="en")
    buyer_reference = models.CharField(max_length=100, blank=True)
    order_reference = models.CharField(max_length=100, blank=True)
    contract_reference = models.CharField(max_length=60, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Payment terms of the invoice's contract(s), days after the invoice date; empty = customer's",
    )
    delivery_channel = models.CharField(
        max_length=10, blank=True, help_text="Delivery channel of the invoice's contract(s); empty = customer's"
    )
    site = models.ForeignKey(
        "parties.Site", null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    # An invoice in another currency than the administration's carries, from issuing on, the
    # rate it was converted at and its VAT total in the administration's currency
    # (EN 16931 BT-6 and BT-111). Empty for invoices in the administration's own currency.
    tax_currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=18, decimal_places=8, null=True, blank=True)
    # The date of that rate (the PDF must state it in NL, BE and PL); kept on the invoice, as a
    # rate entered later for the same day may correct the stored one.
    exchange_rate_date = models.DateField(null=True, blank=True)
    tax_total_accounting = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    payment_reference = models.CharField(max_length=40, blank=True)
    grouping_key = models.CharField(max_length=200, blank=True)

    line_total = models.DecimalField(**MONEY)
    allowance_total = models.DecimalField(**MONEY)
    charge_total = models.DecimalField(**MONEY)
    tax_exclusive = models.DecimalField(**MONEY)
    tax_total = models.DecimalField(**MONEY)
    tax_inclusive = models.DecimalField(**MONEY)

    amount_paid = models.DecimalField(**MONEY)
    amount_credited = models.DecimalField(**MONEY)
    amount_written_off = models.DecimalField(**MONEY)
    amount_open = models.DecimalField(**MONEY)

    seller_snapshot = models.JSONField(null=True, blank=True)
    buyer_snapshot = models.JSONField(null=True, blank=True)
    chain_index = models.PositiveIntegerField(null=True, blank=True)
    chain_prev_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, db_index=False, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, db_index=False, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, db_index=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "number"],
                condition=models.Q(number__isnull=False),
                name="invoice_unique_number",
            ),
            models.UniqueConstraint(
                fields=["series", "fiscal_year", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="invoice_unique_sequence",
            ),
            models.UniqueConstraint(
                fields=["administration", "chain_index"],
                condition=models.Q(chain_index__isnull=False),
                name="invoice_unique_chain_index",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="issued")
                | models.Q(number__isnull=False, issue_date__isnull=False, chain_index__isnull=False),
                name="invoice_issued_is_numbered",
            ),
        ]
        indexes = [
            models.Index(fields=["administration", "state", "id"], name="invoice_admin_state_idx"),
            models.Index(fields=["administration", "customer", "id"], name="invoice_admin_customer_idx"),
            models.Index(fields=["administration", "issue_date", "id"], name="invoice_admin_date_idx"),
            models.Index(fields=["administration", "settlement", "id"], name="invoice_admin_settle_idx"),
            models.Index(fields=["corrects"], condition=models.Q(corrects__isnull=False), name="invoice_corrects_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"draft #{self.pk}"

    @property
    def is_issued(self) -> bool:
        return self.state == InvoiceState.ISSUED

    @property
    def display_status(self) -> str:
        return self.settlement if self.is_issued else self.state


class InvoiceLine(models.Model):
    # (invoice, position) is unique, which also indexes the invoice.
    invoice = models.ForeignKey(Invoice, db_index=False, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    # One-to-one in the database: a charge lands on at most one invoice line, ever.
    charge = models.OneToOneField(
        "charges.Charge", null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_line"
    )
    corrects_line = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_lines"
    )
    item = models.ForeignKey(
        "catalog.Item", null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    unit = models.CharField(max_length=3, default="C62")
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    vat_category = models.CharField(max_length=2, choices=VAT_CATEGORY_CHOICES)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    site = models.ForeignKey(
        "parties.Site", null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="+"
    )
    contract_reference = models.CharField(max_length=60, blank=True)
    revenue_account = models.ForeignKey("ledger.Account", db_index=False, on_delete=models.PROTECT, related_name="+")
    gross_amount = models.DecimalField(**MONEY)
    allowance_amount = models.DecimalField(**MONEY)
    net_amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoiceline_unique_position")]


class InvoiceAllowanceCharge(models.Model):
    """A document-level allowance (discount) or charge (e.g. a small-order fee)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allowances_charges")
    is_charge = models.BooleanField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    reason = models.CharField(max_length=200)
    vat_category = models.CharField(max_length=2, choices=VAT_CATEGORY_CHOICES)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    revenue_account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")


class InvoiceVatLine(models.Model):
    """The VAT breakdown (EN 16931 BG-23), stored when totals are computed."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="vat_lines")
    category = models.CharField(max_length=2, choices=VAT_CATEGORY_CHOICES)
    rate = models.DecimalField(max_digits=5, decimal_places=2)
    taxable_amount = models.DecimalField(max_digits=18, decimal_places=2)
    tax_amount = models.DecimalField(max_digits=18, decimal_places=2)
    exemption_code = models.CharField(max_length=30, blank=True)
    exemption_text = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["category", "-rate"]


class ChainHead(models.Model):
    """Per administration: the last link of the issued-document hash chain.

    Issuing locks this row, which also serialises numbering for the administration."""

    administration = models.OneToOneField(Administration, on_delete=models.CASCADE, related_name="chain_head")
    last_index = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64)


class ExchangeRate(models.Model):
    """How many units of the administration's currency one unit of `currency` was worth from
    `rate_date` on (until the next rate of that currency): what issuing converts an invoice's
    VAT total with."""

    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="exchange_rates")
    currency = models.CharField(max_length=3)
    rate_date = models.DateField()
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    source = models.CharField(max_length=100, blank=True, help_text="Where the rate comes from, e.g. ECB, NBP table")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, db_index=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["currency", "-rate_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "currency", "rate_date"], name="exchange_rate_unique_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} ({self.rate_date})"
