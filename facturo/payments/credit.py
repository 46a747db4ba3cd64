"""A customer's credit on account: what it is made of (its ledger postings), the open invoices
it can settle, and using it on several invoices at once.

The credit arises from payments put on account or overpaid; using it moves it from the
customer-credit account to the invoices' receivables (`services.apply_credit`), a refund is the
outgoing bank line put on the customer's account (`services.put_on_account`)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from facturo.administrations.access import Action, Context
from facturo.administrations.models import DocumentKind
from facturo.core.errors import FieldError
from facturo.errors import ValidationFailed
from facturo.invoicing.models import Invoice, InvoiceState
from facturo.ledger.models import JournalLine
from facturo.parties.models import Customer
from facturo.parties.services import get_customer

from . import services
from .accounts import payment_accounts

MAX_POSTINGS = 200


@dataclass(frozen=True)
class CreditPosting:
    date: date
    description: str
    added: Decimal  # credit on account that came in (a payment put on account, an overpayment)
    used: Decimal  # credit taken out (used on an invoice, refunded, an undone booking)
    balance: Decimal  # the credit after this posting


@dataclass(frozen=True)
class CreditOverview:
    customer: Customer
    credit: Decimal
    postings: list[CreditPosting]
    open_invoices: list[Invoice]
    # What using the credit oldest-due-first would put on each open invoice (the form's default).
    proposal: dict[int, Decimal]


def can_book_payments(ctx: Context) -> bool:
    """Whether the screens offer the booking forms (the services check again)."""
    return ctx.role in services.PAYMENT_ROLES


def credit_postings(ctx: Context, customer_id: int) -> list[CreditPosting]:
    """The customer's postings on the customer-credit account, oldest first, with the running
    credit (the latest MAX_POSTINGS when there are more; the balance counts all)."""
    ctx.require(Action.VIEW)
    account = payment_accounts(ctx.administration).customer_credit
    rows = list(
        JournalLine.objects.filter(administration=ctx.administration, account_id=account, customer_id=customer_id)
        .select_related("entry")
        .order_by("-entry__date", "-id")[:MAX_POSTINGS]
    )
    balance = services.customer_credit(ctx, customer_id)
    postings = []
    for row in rows:  # newest first: walk the balance back
        postings.append(CreditPosting(row.entry.date, row.entry.description, row.credit, row.debit, balance))
        balance -= row.credit - row.debit
    return postings[::-1]


def open_invoices(ctx: Context, customer_id: int) -> list[Invoice]:
    ctx.require(Action.VIEW)
    return list(
        Invoice.objects.filter(
            administration=ctx.administration,
            customer_id=customer_id,
            state=InvoiceState.ISSUED,
            kind=DocumentKind.INVOICE,
            amount_open__gt=0,
        ).order_by("due_date", "id")[:200]
    )


def credit_overview(ctx: Context, customer_id: int) -> CreditOverview:
    customer = get_customer(ctx, customer_id)
    credit = services.customer_credit(ctx, customer_id)
    invoices = open_invoices(ctx, customer_id)
    proposal: dict[int, Decimal] = {}
    left = credit
    for invoice in invoices:
        if left <= 0:
            break
        take = min(left, invoice.amount_open)
        proposal[invoice.pk] = take
        left -= take
    return CreditOverview(customer, credit, credit_postings(ctx, customer_id), invoices, proposal)


def apply_credit_to(ctx: Context, customer_id: int, allocations: Sequence[Mapping[str, Any]]) -> Decimal:
    """Use the customer's credit on several open invoices, all or nothing; returns the credit
    left. Each allocation is {"invoice_id", "amount"}; errors name `allocations.N.<field>`."""
    services.require_payments(ctx)
    if not allocations:
        raise ValidationFailed(FieldError("allocations", "name at least one invoice and amount"))
    errors: list[FieldError] = []
    parsed: list[tuple[int, Any]] = []
    for n, allocation in enumerate(allocations):
        try:
            parsed.append((int(allocation["invoice_id"]), allocation.get("amount")))
        except (KeyError, TypeError, ValueError):
            errors.append(FieldError(f"allocations.{n}.invoice_id", "is required"))
    if errors:
        raise ValidationFailed(errors)
    seen: set[int] = set()
    for n, (invoice_id, _) in enumerate(parsed):
        if invoice_id in seen:
            errors.append(FieldError(f"allocations.{n}.invoice_id", f"invoice {invoice_id} is named twice"))
        seen.add(invoice_id)
    if errors:
        raise ValidationFailed(errors)
    left = services.customer_credit(ctx, customer_id)
    with transaction.atomic():
        for n, (invoice_id, amount) in enumerate(parsed):
            try:
                left = services.apply_credit(ctx, customer_id, invoice_id, amount)
            except ValidationFailed as failed:
                raise ValidationFailed(
                    [
                        FieldError(f"allocations.{n}.{e.path}" if e.path else f"allocations.{n}", e.message)
                        for e in failed.errors
                    ]
                ) from None
    return left
