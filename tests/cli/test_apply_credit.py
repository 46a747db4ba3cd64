"""`facturo apply-credit`: show a customer's credit on account and use it on invoices."""

from datetime import date
from decimal import Decimal

from facturo.formats import camt053
from facturo.formats.statement import Balance, Statement, StatementLine
from facturo.invoicing import services as invoicing
from facturo.invoicing.models import Invoice
from facturo.payments import services as payments


def test_show_and_use_credit_on_account(cli, cli_fails, ctx, customer, item):
    payments.create_bank_account(ctx, {"iban": "NL69INGB0123456789"})
    day = date(2026, 11, 20)
    statement = Statement(
        "NL69INGB0123456789", "EUR", "S-1", "1", Balance(0, day), Balance(Decimal("60.00"), day),
        (StatementLine(Decimal("60.00"), day, remittance="voorschot"),),
    )  # fmt: skip
    payments.import_statement(ctx, camt053.write(statement))
    payments.put_on_account(ctx, payments.open_lines(ctx)[0].pk, customer.pk)
    draft = invoicing.create_draft(
        ctx, {"customer_id": customer.pk, "lines": [{"item": "ONDH", "quantity": "1", "service_date": "2026-11-02"}]}
    )
    invoice = invoicing.issue(ctx, draft.pk)
    shown = cli("apply-credit", customer.number, "-a", "nl-installers", "-u", "owner")
    assert "60.00 EUR on account" in shown.out
    bad = cli_fails("apply-credit", customer.number, f"{invoice.number}:10", "-a", "nl-installers", "-u", "owner")
    assert "INVOICE=AMOUNT" in bad.err
    too_much = cli_fails(
        "apply-credit", customer.number, f"{invoice.number}=70.00", "-a", "nl-installers", "-u", "owner"
    )
    assert "allocations.0.amount" in too_much.err
    used = cli("apply-credit", customer.number, f"{invoice.number}=60.00", "-a", "nl-installers", "-u", "owner")
    assert "20.00" not in used.out and "0.00 left" in used.out
    assert Invoice.objects.get(pk=invoice.pk).amount_open == Decimal("18.65")
