"""Contracts, their lines and versions (annexes), suspensions, usage rates and usage records.

A contract's terms change only through annexes: version 1 is the contract as signed; each
annex is the next version, effective from a date. A line's terms (quantity, price, site) are
kept per version in `LineTerms`, so the history stays readable and every charge names the
version it was billed at."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from facturo.administrations.models import Administration
from facturo.catalog.models import VAT_CATEGORY_CHOICES, RateKind


class ProrationRule(models.TextChoices):
    DAY = "day", _("By day (actual days in the period)")
    MONTH = "month", _("By month")
    NONE = "none", _("None (whole periods)")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")
    EVERY_N_MONTHS = "every_n_months", _("Every N months")


class Timing(models.TextChoices):
    ADVANCE = "advance", _("In advance")
    ARREARS = "arrears", _("In arrears")


class Alignment(models.TextChoices):
    CALENDAR = "calendar", _("Calendar periods")
    ANNIVERSARY = "anniversary", _("Contract anniversary")


class GroupingPreference(models.TextChoices):
    OWN = "own", _("Own invoice per contract")
    CUSTOMER = "customer", _("Collective per customer")
    SITE = "site", _("Per site")


class IndexationMethod(models.TextChoices):
    NONE = "", _("No indexation")
    PERCENTAGE = "percentage", _("Fixed percentage")
    INDEX = "index", _("Index table")


class ContractType(models.Model):
    """Configurable per administration (maintenance, monitoring, guarding, rent, ...)."""

    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    proration = models.CharField(max_length=5, choices=ProrationRule.choices, default=ProrationRule.DAY)
    is_advance = models.BooleanField(default=False, help_text="Fixed advances settled against actual amounts")

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["administration", "code"], name="contracttype_unique_code")]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=30)
    customer = models.ForeignKey("parties.Customer", on_delete=models.PROTECT, related_name="contracts")
    type = models.ForeignKey(ContractType, on_delete=models.PROTECT, related_name="contracts")
    description = models.CharField(max_length=200, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    notice_months = models.PositiveSmallIntegerField(default=0)
    auto_renew = models.BooleanField(default=False)
    renewal_months = models.PositiveSmallIntegerField(default=12)
    termination_date = models.DateField(null=True, blank=True)
    termination_reason = models.CharField(max_length=200, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(null=True, blank=True)
    delivery_channel = models.CharField(max_length=10, blank=True)
    grouping = models.CharField(max_length=10, choices=GroupingPreference.choices, default=GroupingPreference.CUSTOMER)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who gets this contract's alerts by e-mail",
    )
    version = models.PositiveIntegerField(default=1)
    indexation = models.CharField(max_length=10, choices=IndexationMethod.choices, blank=True, default="")
    indexation_percent = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    indexation_series = models.CharField(max_length=30, blank=True)
    indexation_month = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Fixed month of the yearly indexation; empty = on the anniversary"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["administration", "number"], name="contract_unique_number"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="contract_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(termination_date__isnull=True) | ~models.Q(termination_reason=""),
                name="contract_termination_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["administration", "customer", "id"], name="contract_admin_customer_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def last_day(self) -> date | None:
        """The last day service is delivered: the termination or the end, whichever is first.
        A contract that renews automatically runs on until it is terminated."""
        end = None if self.auto_renew else self.end_date
        days = [d for d in (end, self.termination_date) if d is not None]
        return min(days) if days else None


class Annex(models.Model):
    """A version of the contract, effective from a date. Version 1 is the signed contract."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="annexes")
    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    description = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["contract", "version"]
        constraints = [models.UniqueConstraint(fields=["contract", "version"], name="annex_unique_version")]


class Suspension(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="suspensions")
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["start_date"]


class ContractLine(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    item = models.ForeignKey("catalog.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=300)
    unit = models.CharField(max_length=3, default="C62")
    vat_category = models.CharField(max_length=2, choices=VAT_CATEGORY_CHOICES)
    vat_kind = models.CharField(max_length=15, choices=RateKind.choices, default=RateKind.STANDARD)
    frequency = models.CharField(max_length=15, choices=Frequency.choices, default=Frequency.MONTHLY)
    every_months = models.PositiveSmallIntegerField(null=True, blank=True)
    timing = models.CharField(max_length=8, choices=Timing.choices, default=Timing.ADVANCE)
    alignment = models.CharField(max_length=12, choices=Alignment.choices, default=Alignment.CALENDAR)
    first_billing_date = models.DateField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["contract", "position"]
        constraints = [models.UniqueConstraint(fields=["contract", "position"], name="contractline_unique_position")]


class LineTerms(models.Model):
    """A line's quantity, price and site from a version on; `is_removed` ends the line."""

    line = models.ForeignKey(ContractLine, on_delete=models.CASCADE, related_name="terms")
    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    site = models.ForeignKey("parties.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_removed = models.BooleanField(default=False)

    class Meta:
        ordering = ["line", "effective_from", "version"]
        constraints = [models.UniqueConstraint(fields=["line", "version"], name="lineterms_unique_version")]


class ContractSite(models.Model):
    """A site the contract covers from a version on (usage for other sites is refused)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="sites")
    site = models.ForeignKey("parties.Site", on_delete=models.PROTECT, related_name="contract_links")
    version = models.PositiveIntegerField(default=1)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["contract", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["contract", "site", "version"], name="contractsite_unique")]


class UsageKind(models.TextChoices):
    GUARD_HOURS = "guard_hours", "Guard hours"
    PICKUP = "pickup", "Convoy pick-up"
    DELIVERY = "delivery", "Convoy delivery"
    CALLOUT = "callout", "Call-out"


class UsageRate(models.Model):
    """How the contract rates one kind of usage: hourly (with night/weekend/holiday rates)
    for guard hours and call-outs, per task for pick-ups and deliveries; a minimum per record."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="usage_rates")
    kind = models.CharField(max_length=12, choices=UsageKind.choices)
    item = models.ForeignKey("catalog.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200)
    rate = models.DecimalField(max_digits=14, decimal_places=4)
    night_rate = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    weekend_rate = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    holiday_rate = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    minimum_charge = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    vat_category = models.CharField(max_length=2, choices=VAT_CATEGORY_CHOICES, default="S")
    vat_kind = models.CharField(max_length=15, choices=RateKind.choices, default=RateKind.STANDARD)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "kind"], name="usagerate_unique_kind")]


class UsageRecord(models.Model):
    """One metered record: a guard shift, a convoy task card's pick-up or delivery, a call-out."""

    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=60)
    # Empty while no contract covers the site: kept, alerted, billed once a contract covers it.
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="usage")
    site = models.ForeignKey("parties.Site", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=UsageKind.choices)
    day = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=1)
    card = models.CharField(max_length=60, blank=True, help_text="Convoy task card number")
    note = models.CharField(max_length=200, blank=True)
    billed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "id"]
        constraints = [models.UniqueConstraint(fields=["administration", "reference"], name="usage_unique_reference")]
        indexes = [models.Index(fields=["contract", "billed", "day"], name="usage_contract_billed_idx")]


class IndexSeries(models.Model):
    """A loaded price index (e.g. a CPI series): one value per month."""

    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=30)
    month = models.DateField(help_text="First day of the month")
    value = models.DecimalField(max_digits=12, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "code", "month"], name="indexseries_unique_month")
        ]


class PriceIndexation(models.Model):
    """A price change by indexation: old and new price recorded, through an annex."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="indexations")
    line = models.ForeignKey(ContractLine, on_delete=models.CASCADE, related_name="indexations")
    effective_from = models.DateField()
    old_price = models.DecimalField(max_digits=14, decimal_places=4)
    new_price = models.DecimalField(max_digits=14, decimal_places=4)
    factor = models.DecimalField(max_digits=12, decimal_places=6)
    basis = models.CharField(max_length=100)
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["effective_from", "line"]
        constraints = [
            models.UniqueConstraint(fields=["line", "effective_from"], name="indexation_once_per_line_and_date")
        ]


class BilledPeriod(models.Model):
    """A contract line's billing period, claimed once: unique in the database, so a period is
    never billed twice whatever runs repeat or overlap. `state` is billed or skipped (reason)."""

    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(ContractLine, db_index=False, on_delete=models.PROTECT, related_name="billed_periods")
    contract = models.ForeignKey(Contract, db_index=False, on_delete=models.PROTECT, related_name="billed_periods")
    period_start = models.DateField()
    period_end = models.DateField()
    state = models.CharField(max_length=8, default="billed")
    reason = models.CharField(max_length=200, blank=True)
    caught_up = models.BooleanField(default=False)
    run_id = models.BigIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["line", "period_start"], name="billedperiod_unique_line_period")]
        indexes = [models.Index(fields=["contract", "period_start"], name="billedperiod_contract_idx")]


class ChangeKind(models.TextChoices):
    ANNEX = "annex", _("Annex")
    TERMINATION = "termination", _("Termination")
    SUSPENSION = "suspension", _("Suspension")
    INDEXATION = "indexation", _("Indexation")


class RetroactiveChange(models.Model):
    """A change (annex, termination, suspension) taking effect inside periods that were
    already invoiced. The next billing run corrects those periods (a credit note for what is
    no longer due, a charge for what is due on top) and records its id in `run_id`, in the
    same transaction as the corrections: each change is corrected exactly once."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="retroactive_changes")
    kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    effective_from = models.DateField()
    version = models.PositiveIntegerField(help_text="The contract version the change made")
    description = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    run_id = models.BigIntegerField(null=True, blank=True, help_text="The billing run that corrected it")

    class Meta:
        ordering = ["contract", "id"]
        indexes = [models.Index(fields=["contract", "run_id"], name="retrochange_contract_run_idx")]


class PeriodCorrection(models.Model):
    """One invoiced period of a line corrected after a retroactive change: what was invoiced
    for it (with earlier corrections), what is due now, and the document that settles the
    difference. Unique per change, line and period: a run repeated corrects nothing twice."""

    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    change = models.ForeignKey(RetroactiveChange, on_delete=models.PROTECT, related_name="corrections")
    contract = models.ForeignKey(Contract, db_index=False, on_delete=models.PROTECT, related_name="corrections")
    line = models.ForeignKey(ContractLine, on_delete=models.PROTECT, related_name="corrections")
    period_start = models.DateField()
    period_end = models.DateField()
    billed = models.DecimalField(max_digits=18, decimal_places=2, help_text="Invoiced for the period before")
    due = models.DecimalField(max_digits=18, decimal_places=2, help_text="Due for the period after the change")
    amount = models.DecimalField(max_digits=18, decimal_places=2, help_text="due - billed; negative = credit")
    version = models.PositiveIntegerField()
    original_invoice = models.CharField(max_length=40, blank=True)
    original_line_id = models.BigIntegerField(null=True, blank=True, help_text="The invoice line corrected")
    credit_note = models.CharField(max_length=40, blank=True)
    charge_id = models.BigIntegerField(null=True, blank=True, help_text="The charge of an extra amount")
    run_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_start", "line"]
        constraints = [
            models.UniqueConstraint(fields=["change", "line", "period_start"], name="periodcorrection_once")
        ]
        indexes = [models.Index(fields=["contract", "period_start"], name="periodcorrection_contract_idx")]


class AlertMail(models.Model):
    """An alert mailed once: the same alert (kind, subject, due day) is never mailed again."""

    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12)
    subject = models.CharField(max_length=60)
    due = models.DateField()
    address = models.CharField(max_length=254)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "kind", "subject", "due"], name="alertmail_once")
        ]
