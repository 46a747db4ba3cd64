"""Alerts: a payment on a watched invoice, a customer over their credit limit, a returned direct
debit. Raised by the payment services as they book; read and dismissed on the bank page."""

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from facturo.administrations.access import Action, Context
from facturo.administrations.models import DocumentKind
from facturo.errors import NotFound
from facturo.invoicing.models import Invoice, InvoiceState
from facturo.parties.models import Customer

from .models import Alert, AlertKind, InvoiceWatch


def watch(ctx: Context, invoice_id: int) -> None:
    ctx.require(Action.VIEW)
    if not Invoice.objects.filter(administration=ctx.administration, pk=invoice_id).exists():
        raise NotFound(f"invoice {invoice_id} not found")
    InvoiceWatch.objects.get_or_create(administration=ctx.administration, invoice_id=invoice_id, user=ctx.user)


def payments_received(ctx: Context, allocations: Iterable[tuple[int, Decimal]]) -> None:
    """Alerts for the watchers of invoices that just received money (one query when none is watched)."""
    paid: dict[int, Decimal] = {}
    for invoice_id, amount in allocations:
        if amount > 0:
            paid[invoice_id] = paid.get(invoice_id, Decimal(0)) + amount
    if not paid:
        return
    # Watches are few; an import pays many invoices: read the watches, not the invoices.
    watches = [
        w
        for w in InvoiceWatch.objects.filter(administration=ctx.administration).select_related("invoice")
        if w.invoice_id in paid
    ]
    Alert.objects.bulk_create(
        [
            Alert(
                administration=ctx.administration,
                kind=AlertKind.PAYMENT_RECEIVED,
                user_id=w.user_id,
                customer_id=w.invoice.customer_id,
                invoice_id=w.invoice_id,
                message=f"{paid[w.invoice_id]} received on {w.invoice.number}; open now {w.invoice.amount_open}",
            )
            for w in watches
        ]
    )


def direct_debit_returned(ctx: Context, invoice_id: int, reason: str, retry: bool) -> None:
    invoice = Invoice.objects.filter(pk=invoice_id).values("number", "customer_id").first()
    if invoice is None:
        return
    follow = "collected again in the next batch" if retry else "mandate blocked: follow up with the customer"
    Alert.objects.create(
        administration=ctx.administration,
        kind=AlertKind.DIRECT_DEBIT_RETURNED,
        customer_id=invoice["customer_id"],
        invoice_id=invoice_id,
        message=f"direct debit of {invoice['number']} returned ({reason or 'no reason'}); {follow}",
    )


def open_total(ctx: Context, customer_id: int) -> Decimal:
    totals = Invoice.objects.filter(
        administration=ctx.administration, customer_id=customer_id, state=InvoiceState.ISSUED
    ).aggregate(
        debit=Sum("amount_open", filter=Q(kind=DocumentKind.INVOICE)),
        credit=Sum("amount_open", filter=Q(kind=DocumentKind.CREDIT_NOTE)),
    )
    return (totals["debit"] or Decimal(0)) - (totals["credit"] or Decimal(0))


def check_credit_limits(ctx: Context, customer_ids: Sequence[int] | None = None) -> int:
    """An alert for each customer (of `customer_ids`, or all) whose open items exceed their credit
    limit and who has no unread alert of that kind yet. Returns how many were raised."""
    customers = Customer.objects.filter(administration=ctx.administration, credit_limit__isnull=False)
    if customer_ids is not None:
        customers = customers.filter(pk__in=list(customer_ids))
    raised = 0
    for customer in customers:
        total = open_total(ctx, customer.pk)
        assert customer.credit_limit is not None
        if total <= customer.credit_limit:
            continue
        if Alert.objects.filter(
            administration=ctx.administration, kind=AlertKind.CREDIT_LIMIT, customer=customer, read_at__isnull=True
        ).exists():
            continue
        Alert.objects.create(
            administration=ctx.administration,
            kind=AlertKind.CREDIT_LIMIT,
            customer=customer,
            message=f"{customer.name} owes {total}, above the credit limit of {customer.credit_limit}",
        )
        raised += 1
    return raised


def unread(ctx: Context, limit: int = 50) -> list[Alert]:
    ctx.require(Action.VIEW)
    return list(
        Alert.objects.filter(administration=ctx.administration, read_at__isnull=True)
        .filter(Q(user__isnull=True) | Q(user=ctx.user))
        .select_related("invoice", "customer")[:limit]
    )


def dismiss(ctx: Context, alert_id: int) -> None:
    ctx.require(Action.VIEW)
    updated = (
        Alert.objects.filter(administration=ctx.administration, pk=alert_id, read_at__isnull=True)
        .filter(Q(user__isnull=True) | Q(user=ctx.user))
        .update(read_at=timezone.now())
    )
    if not updated:
        raise NotFound(f"alert {alert_id} not found")
