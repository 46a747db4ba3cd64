"""Payments on a bank account in another currency than the administration's: the line is booked
at the rate of its booking date, the receivable it settles leaves at the invoice's own rate, and
the exchange difference between the two goes to the exchange-difference account. Every converted
ledger line keeps its foreign amount; the bank account's balance reads in its own currency."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from facturo.core.money import quantize
from facturo.errors import ValidationFailed
from facturo.formats import camt053
from facturo.formats.statement import Balance, Statement
from facturo.invoicing import exchange
from facturo.invoicing import services as invoicing
from facturo.invoicing.models import Invoice
from facturo.ledger.models import JournalEntry, JournalLine
from facturo.ledger.services import open_in_ledger
from facturo.parties.services import create_customer
from facturo.payments import services as payments
from facturo.payments.models import StatementLine

from .conftest import line

USD_IBAN = "NL20INGB0001234567"
INVOICE_RATE, PAYMENT_RATE = Decimal("0.91234567"), Decimal("0.95")


def usd_statement(*lines, number=1, opening=Decimal("0.00")):
    closing = opening + sum((x.amount for x in lines), Decimal(0))
    day = date(2026, 12, 4)
    return camt053.write(Statement(USD_IBAN, "USD", f"USD-{number}", str(number), Balance(opening, day),
                                   Balance(closing, day), tuple(lines)))


@pytest.fixture
def usd_bank(ctx):
    return payments.create_bank_account(ctx, {"name": "ING USD", "iban": USD_IBAN, "currency": "USD"})


@pytest.fixture
def usd_invoice(ctx, item):
    exchange.set_rate(ctx, {"currency": "USD", "date": "2026-11-01", "rate": str(INVOICE_RATE)})
    customer = create_customer(ctx, {"name": "Atlantic Facilities Inc.", "country": "BE", "street": "Rue Haute 1",
                                     "postal_code": "1000", "city": "Bruxelles", "vat_number": "BE0403019261",
                                     "currency": "USD", "language": "en"})
    draft = invoicing.create_draft(ctx, {"customer_id": customer.pk, "lines": [
        {"item": "ONDH", "quantity": "7", "unit_price": "133.33", "service_date": "2026-11-02"}]})
    return invoicing.issue(ctx, draft.pk, issue_date=date(2026, 11, 20))


def bank_entry(line_id):
    return JournalEntry.objects.get(source_kind="bank_line", source_id=line_id)


def amounts(entry):
    rows = entry.lines.values("account__role", "account__code").annotate(d=Sum("debit"), c=Sum("credit"))
    return {r["account__role"] or r["account__code"]: r["d"] - r["c"] for r in rows}


def test_a_payment_at_another_rate_books_the_exchange_difference(ctx, usd_bank, usd_invoice):
    exchange.set_rate(ctx, {"currency": "USD", "date": "2026-12-01", "rate": str(PAYMENT_RATE)})
    paid = usd_invoice.amount_open
    payments.import_statement(ctx, usd_statement(line(str(paid), booking_date=date(2026, 12, 4),
                                                      structured_reference=usd_invoice.payment_reference)))
    assert Invoice.objects.get(pk=usd_invoice.pk).settlement == "paid"
    entry = bank_entry(StatementLine.objects.get().pk)
    booked = amounts(entry)
    in_bank, receivable = quantize(paid * PAYMENT_RATE, "EUR"), quantize(paid * INVOICE_RATE, "EUR")
    assert booked["bank"] == in_bank
    assert booked["receivables"] == -receivable
    assert booked["exchange_difference"] == receivable - in_bank  # a gain: the dollar rose
    assert sum(booked.values()) == 0
    assert open_in_ledger(ctx.administration.pk, [usd_invoice.pk]) == {usd_invoice.pk: 0}
    foreign = {x.account.role or "bank": x.amount_currency for x in entry.lines.select_related("account")}
    assert foreign == {"bank": paid, "receivables": -paid, "exchange_difference": None}
    assert payments.ledger_balance(usd_bank) == paid  # in dollars, like the statement


def test_a_manual_match_and_its_undo_convert_the_same_way(ctx, usd_bank, usd_invoice):
    exchange.set_rate(ctx, {"currency": "USD", "date": "2026-12-01", "rate": str(PAYMENT_RATE)})
    part = Decimal("100.00")
    payments.import_statement(ctx, usd_statement(line(str(part), booking_date=date(2026, 12, 4),
                                                      remittance="unknown")))
    statement_line = StatementLine.objects.get()
    assert amounts(bank_entry(statement_line.pk))["suspense"] == -quantize(part * PAYMENT_RATE, "EUR")
    rec = payments.match_line(ctx, statement_line.pk, [{"invoice_id": usd_invoice.pk, "amount": str(part)}])
    match = JournalEntry.objects.get(source_kind="payment_match", source_id=statement_line.pk)
    booked = amounts(match)
    assert booked["suspense"] == quantize(part * PAYMENT_RATE, "EUR")
    assert booked["receivables"] == -quantize(part * INVOICE_RATE, "EUR")
    assert sum(booked.values()) == 0
    assert open_in_ledger(ctx.administration.pk, [usd_invoice.pk])[usd_invoice.pk] == (
        quantize(usd_invoice.tax_inclusive * INVOICE_RATE, "EUR") - quantize(part * INVOICE_RATE, "EUR")
    )
    payments.undo(ctx, rec.pk)
    undone = amounts(JournalEntry.objects.get(source_kind="payment_undo", source_id=rec.pk))
    assert undone == {role: -amount for role, amount in booked.items()}
    assert open_in_ledger(ctx.administration.pk, [usd_invoice.pk])[usd_invoice.pk] == quantize(
        usd_invoice.tax_inclusive * INVOICE_RATE, "EUR"
    )
    receivable = JournalLine.objects.filter(invoice=usd_invoice, account__role="receivables")
    assert quantize(receivable.aggregate(s=Sum("amount_currency"))["s"], "USD") == usd_invoice.tax_inclusive


def test_a_statement_of_a_foreign_account_without_a_rate_is_refused_naming_it(ctx, usd_bank, usd_invoice):
    with pytest.raises(ValidationFailed) as refused:
        payments.import_statement(ctx, usd_statement(line("10.00", booking_date=date(2026, 10, 30))))
    message = str(refused.value)
    assert "USD" in message and "2026-10-30" in message and USD_IBAN in message
    assert not StatementLine.objects.exists()


def test_an_administration_whose_chart_predates_exchange_differences_gets_the_account(ctx, usd_bank, usd_invoice):
    from facturo.ledger.models import Account
    from facturo.payments.accounts import payment_accounts

    Account.objects.filter(administration=ctx.administration, role="exchange_difference").update(role="", code="X1")
    created = Account.objects.get(pk=payment_accounts(ctx.administration).exchange_difference)
    assert (created.code, created.role, created.name) == ("4980", "exchange_difference", "Koersverschillen")


def test_an_invoice_paid_in_parts_leaves_no_cents_on_the_receivable(ctx, usd_bank, usd_invoice):
    exchange.set_rate(ctx, {"currency": "USD", "date": "2026-12-01", "rate": str(PAYMENT_RATE)})
    total = usd_invoice.amount_open

    def converted(value):
        return quantize(value * INVOICE_RATE, "EUR")

    # A split whose two converted parts miss the converted total by a cent.
    first = next(p for p in (Decimal(n) / 100 for n in range(100, 10_000)) if
                 converted(p) + converted(total - p) != converted(total))
    payments.import_statement(ctx, usd_statement(line(str(first), booking_date=date(2026, 12, 4), remittance="a"),
                                                 line(str(total - first), booking_date=date(2026, 12, 4),
                                                      remittance="b")))
    for paid in StatementLine.objects.order_by("position"):
        payments.match_line(ctx, paid.pk, [{"invoice_id": usd_invoice.pk, "amount": str(paid.amount)}])
    assert Invoice.objects.get(pk=usd_invoice.pk).settlement == "paid"
    assert open_in_ledger(ctx.administration.pk, [usd_invoice.pk]) == {usd_invoice.pk: 0}
    closing = JournalEntry.objects.get(source_kind="exchange_difference", source_id=usd_invoice.pk)
    cents = quantize(amounts(closing)["exchange_difference"], "EUR")  # the receivable's cents, moved
    assert cents == converted(total) - converted(first) - converted(total - first)
    assert abs(cents) == Decimal("0.01")
