"""Alerts raised by payments: a watched invoice paid, a returned direct debit, a credit limit exceeded."""

from decimal import Decimal

from facturo.parties.models import Customer
from facturo.payments import alerts
from facturo.payments import services as payments

from .conftest import line


def test_watched_invoice_paid_and_returned_debit_over_the_credit_limit(
    ctx, bank, customer, issue_invoice, statement_file
):
    invoice = issue_invoice("4")
    other = issue_invoice("1")
    alerts.watch(ctx, invoice.pk)
    payments.import_statement(
        ctx,
        statement_file(
            line(str(invoice.amount_open), remittance=invoice.number),
            line(str(other.amount_open), remittance=other.number),
        ),
    )
    (paid,) = alerts.unread(ctx)
    assert paid.kind == "payment_received" and invoice.number in paid.message
    alerts.dismiss(ctx, paid.pk)
    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("100.00"))
    returned = line(
        f"-{invoice.amount_open}", end_to_end_id=f"DD-{invoice.number}", is_return=True, return_reason="AM04"
    )
    payments.import_statement(ctx, statement_file(returned))
    kinds = sorted(a.kind for a in alerts.unread(ctx))
    assert kinds == ["credit_limit", "dd_returned"]
    assert alerts.check_credit_limits(ctx) == 0  # not twice while unread
