from django.db import models

from facturo.administrations.models import Administration


class AccountKind(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    EQUITY = "equity", "Equity"
    REVENUE = "revenue", "Revenue"
    EXPENSE = "expense", "Expense"


class AccountRole(models.TextChoices):
    """What postings look an account up by; at most one account per role, except VAT and revenue."""

    RECEIVABLES = "receivables", "Receivables"
    REVENUE = "revenue", "Revenue"
    VAT_PAYABLE = "vat_payable", "VAT payable"
    BANK = "bank", "Bank"
    SUSPENSE = "suspense", "Suspense"
    WRITE_OFF = "write_off", "Write-offs"
    ROUNDING = "rounding", "Rounding differences"
    EXCHANGE_DIFFERENCE = "exchange_difference", "Exchange differences"


class Account(models.Model):
    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="accounts")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=AccountKind.choices)
    role = models.CharField(max_length=20, choices=AccountRole.choices, blank=True)
    # For VAT accounts: the category and rate whose VAT they collect.
    vat_category = models.CharField(max_length=2, blank=True)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["administration", "code"], name="account_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class JournalKind(models.TextChoices):
    SALES = "sales", "Sales"
    BANK = "bank", "Bank"
    MEMORIAL = "memorial", "Memorial"


class Journal(models.Model):
    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="journals")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=JournalKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["administration", "code"], name="journal_unique_code")]

    def __str__(self) -> str:
        return self.name


class JournalEntry(models.Model):
    """Immutable once written (database trigger); corrections are reversing entries."""

    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="entries")
    date = models.DateField()
    description = models.CharField(max_length=200)
    source_kind = models.CharField(max_length=30)
    source_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["source_kind", "source_id"], name="entry_source_idx")]
        verbose_name_plural = "journal entries"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    # Reports filter by administration first; the composite indexes below serve them.
    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, db_index=False, on_delete=models.PROTECT, related_name="lines")
    debit = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    credit = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    description = models.CharField(max_length=200, blank=True)
    # Open-item keys on the receivables account: who owes it and on which document.
    customer = models.ForeignKey("parties.Customer", null=True, blank=True, db_index=False, on_delete=models.PROTECT)
    invoice = models.ForeignKey(
        "invoicing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_lines"
    )
    # The ledger is kept in the administration's currency; a line converted from another
    # currency (the open item of a foreign-currency invoice) keeps the amount it was converted
    # from, signed like the line (debit positive), and that currency.
    currency = models.CharField(max_length=3, blank=True)
    amount_currency = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["administration", "account"], name="jline_admin_account_idx"),
            models.Index(fields=["administration", "customer"], name="jline_admin_customer_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(debit__gte=0, credit__gte=0), name="jline_amounts_not_negative"),
        ]
