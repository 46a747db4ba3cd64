"""Bank accounts, imported statements and their lines, and how each line was booked."""

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from facturo.administrations.models import Administration

MONEY = {"max_digits": 18, "decimal_places": 2}


class BankAccount(models.Model):
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="bank_accounts")
    name = models.CharField(max_length=100)
    iban = models.CharField(max_length=34)
    bic = models.CharField(max_length=11, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    ledger_account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    # SEPA creditor identifier, needed to collect direct debits into this account.
    creditor_id = models.CharField(max_length=35, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["administration", "iban"], name="bankaccount_unique_iban")]

    def __str__(self) -> str:
        return f"{self.name} {self.iban}"


class BankStatement(models.Model):
    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="statements")
    format = models.CharField(max_length=10)
    identification = models.CharField(max_length=60, blank=True)
    sequence = models.CharField(max_length=40)
    opening_balance = models.DecimalField(**MONEY)
    opening_date = models.DateField(null=True, blank=True)
    closing_balance = models.DecimalField(**MONEY)
    closing_date = models.DateField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64)
    line_count = models.PositiveIntegerField(default=0)
    warnings = models.TextField(blank=True)  # English text of imports from before `notes`
    # Import warnings as {"code", "params"}, worded in the reader's language (payments.notes).
    notes = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, db_index=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            # The same statement imported twice books nothing twice: the database refuses it.
            models.UniqueConstraint(fields=["bank_account", "sequence"], name="statement_unique_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_account.iban} #{self.sequence}"

    def warning_texts(self) -> list[str]:
        from .notes import describe

        return [describe(note) for note in self.notes] + [w for w in self.warnings.splitlines() if w]


class LineState(models.TextChoices):
    UNMATCHED = "unmatched", _("Unmatched")
    MATCHED = "matched", _("Matched")


class StatementLine(models.Model):
    # No index of its own: the unique (statement, position) below leads with it, and an import
    # writes every line through each index.
    statement = models.ForeignKey(BankStatement, db_index=False, on_delete=models.PROTECT, related_name="lines")
    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    booking_date = models.DateField()
    value_date = models.DateField(null=True, blank=True)
    counterparty_name = models.CharField(max_length=140, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    counterparty_bic = models.CharField(max_length=11, blank=True)
    structured_reference = models.CharField(max_length=40, blank=True)
    remittance = models.TextField(blank=True)
    bank_reference = models.CharField(max_length=60, blank=True)
    end_to_end_id = models.CharField(max_length=60, blank=True)
    return_reason = models.CharField(max_length=10, blank=True)
    is_return = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=LineState.choices, default=LineState.UNMATCHED)
    # The best proposals of the matcher when the line was not booked automatically, as JSON
    # text (written in bulk at import, where a JSONField's per-row adaptation costs more
    # than the rest of the row).
    suggestions_json = models.TextField(default="[]", blank=True)

    class Meta:
        ordering = ["statement_id", "position"]
        constraints = [models.UniqueConstraint(fields=["statement", "position"], name="statementline_unique_position")]
        indexes = [models.Index(fields=["administration", "state", "id"], name="stline_admin_state_idx")]

    @property
    def suggestions(self) -> list[dict[str, Any]]:
        return list(json.loads(self.suggestions_json or "[]"))


class ReconciliationKind(models.TextChoices):
    INVOICES = "invoices", "Invoices"
    ACCOUNT = "account", "Ledger account"
    ON_ACCOUNT = "on_account", "Customer credit on account"
    RETURN = "return", "Returned payment"


class Reconciliation(models.Model):
    """How a statement line was booked: to invoices (with a difference), to a ledger account, or
    on a customer's account. Undoing writes a reversing entry and sets `undone_at`; nothing is
    deleted."""

    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(StatementLine, on_delete=models.PROTECT, related_name="reconciliations")
    kind = models.CharField(max_length=12, choices=ReconciliationKind.choices)
    customer = models.ForeignKey("parties.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey("ledger.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    difference = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    difference_kind = models.CharField(max_length=20, blank=True)
    automatic = models.BooleanField(default=False)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence_json = models.TextField(default="[]", blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, db_index=False, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, db_index=False, on_delete=models.SET_NULL, related_name="+"
    )
    undo_entry_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # At most one live booking per line.
            models.UniqueConstraint(
                fields=["line"], condition=models.Q(undone_at__isnull=True), name="reconciliation_one_live_per_line"
            ),
        ]

    @property
    def evidence(self) -> list[dict[str, Any]]:
        return list(json.loads(self.evidence_json or "[]"))


class PaymentAllocation(models.Model):
    """Part of a line's amount settling one invoice or credit note (signed like the line)."""

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="payment_allocations")
    amount = models.DecimalField(**MONEY)


class CustomerIban(models.Model):
    """An account a customer paid from, learned from a confirmed match."""

    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("parties.Customer", on_delete=models.PROTECT, related_name="known_ibans")
    iban = models.CharField(max_length=34)
    learned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["administration", "iban"], name="customeriban_unique")]


class AnnouncedReturn(models.Model):
    """A return the bank announced in a debit notification (camt.054) before the statement: the
    invoice reopens at once against the suspense account, which the statement line then clears."""

    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="announced_returns")
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="+")
    end_to_end_id = models.CharField(max_length=60)
    amount = models.DecimalField(**MONEY)
    reason_code = models.CharField(max_length=10, blank=True)
    notified_on = models.DateField()
    entry_id = models.BigIntegerField()
    settled_by = models.ForeignKey(
        StatementLine, null=True, blank=True, on_delete=models.PROTECT, related_name="announced_returns"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bank_account", "end_to_end_id"], name="announcedreturn_unique_e2e")
        ]


class PaymentReturn(models.Model):
    """A payment the bank took back (direct-debit return or refusal), with its reason code: booked
    from a statement line (reconciliation) or announced by a notification."""

    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    reconciliation = models.OneToOneField(
        Reconciliation, null=True, blank=True, on_delete=models.PROTECT, related_name="payment_return"
    )
    announced = models.OneToOneField(
        AnnouncedReturn, null=True, blank=True, on_delete=models.PROTECT, related_name="payment_return"
    )
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="payment_returns")
    amount = models.DecimalField(**MONEY)
    reason_code = models.CharField(max_length=10, blank=True)
    returned_on = models.DateField()
    # Whether the invoice goes into the customer's next collection (a final reason blocks the mandate).
    retry = models.BooleanField(default=True)

    class Meta:
        ordering = ["-returned_on", "-id"]


class MandateScheme(models.TextChoices):
    CORE = "CORE", "Core (consumers and businesses)"
    B2B = "B2B", "Business to business"


class MandateStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("mandate", "Active")
    REVOKED = "revoked", _("Revoked")
    BLOCKED = "blocked", _("Blocked after a return")
    USED = "used", _("Used (one-off or final)")


class Mandate(models.Model):
    """A customer's SEPA direct-debit mandate. An amendment (new reference or debtor account)
    keeps the original values until the next collection has told the bank."""

    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("parties.Customer", on_delete=models.PROTECT, related_name="mandates")
    reference = models.CharField(max_length=35)
    signed_on = models.DateField()
    scheme = models.CharField(max_length=4, choices=MandateScheme.choices, default=MandateScheme.CORE)
    one_off = models.BooleanField(default=False)
    debtor_name = models.CharField(max_length=70)
    debtor_iban = models.CharField(max_length=34)
    debtor_bic = models.CharField(max_length=11, blank=True)
    status = models.CharField(max_length=10, choices=MandateStatus.choices, default=MandateStatus.ACTIVE)
    first_collected_on = models.DateField(null=True, blank=True)
    final_requested = models.BooleanField(default=False)
    original_reference = models.CharField(max_length=35, blank=True)
    original_iban = models.CharField(max_length=34, blank=True)
    status_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reference"]
        constraints = [models.UniqueConstraint(fields=["administration", "reference"], name="mandate_unique_reference")]

    def __str__(self) -> str:
        return self.reference


class CollectionBatch(models.Model):
    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="collection_batches")
    collection_date = models.DateField()
    scheme = models.CharField(max_length=4, choices=MandateScheme.choices)
    count = models.PositiveIntegerField()
    total = models.DecimalField(**MONEY)
    file_xml = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, db_index=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]


class CollectionState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"


class Collection(models.Model):
    batch = models.ForeignKey(CollectionBatch, on_delete=models.PROTECT, related_name="collections")
    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="collections")
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="collections")
    amount = models.DecimalField(**MONEY)
    sequence = models.CharField(max_length=4)
    end_to_end_id = models.CharField(max_length=35)
    state = models.CharField(max_length=10, choices=CollectionState.choices, default=CollectionState.SUBMITTED)

    class Meta:
        constraints = [
            # An invoice is in at most one collection still under way.
            models.UniqueConstraint(
                fields=["invoice"], condition=models.Q(state="submitted"), name="collection_one_pending_per_invoice"
            ),
        ]


class AlertKind(models.TextChoices):
    PAYMENT_RECEIVED = "payment_received", "Payment received on a watched invoice"
    CREDIT_LIMIT = "credit_limit", "Credit limit exceeded"
    DIRECT_DEBIT_RETURNED = "dd_returned", "Direct debit returned"


class InvoiceWatch(models.Model):
    """A user wants to hear when a payment arrives on this invoice."""

    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invoice", "user"], name="invoicewatch_unique")]


class Alert(models.Model):
    administration = models.ForeignKey(Administration, db_index=False, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="empty: for everyone in the administration",
    )
    customer = models.ForeignKey("parties.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey("invoicing.Invoice", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["administration", "read_at", "id"], name="alert_admin_unread_idx")]
