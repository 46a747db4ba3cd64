"""The ledger is kept in the administration's currency: a foreign-currency invoice is booked at
its rate, its VAT to the total it declares in the accounting currency (BT-111), the cent that
conversion may leave between lines and total to the rounding account; the receivable lines keep
the foreign amounts, which add up to what is open. Credit notes (at the invoice's rate) and
write-offs take off exactly what the receivable holds, so a settled invoice leaves nothing."""

from datetime import date
from decimal import Decimal

from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facturo.core.money import quantize
from facturo.invoicing import exchange
from facturo.invoicing import services as invoicing
from facturo.invoicing.models import Invoice
from facturo.ledger.models import JournalEntry, JournalLine
from facturo.ledger.services import open_in_ledger
from facturo.parties.services import create_customer

ON, LATER = date(2026, 11, 20), date(2026, 12, 10)


def usd_customer(ctx):
    return create_customer(
        ctx,
        {"name": "Atlantic Facilities Inc.", "country": "BE", "street": "Rue Haute 1", "postal_code": "1000",
         "city": "Bruxelles", "vat_number": "BE0403019261", "currency": "USD", "language": "en"},
    )


def issue_usd(ctx, customer, lines):
    draft = invoicing.create_draft(ctx, {"customer_id": customer.pk, "lines": [
        {"description": f"Work {n}", "quantity": str(q), "unit_price": str(p), "vat_category": "S",
         "vat_rate": rate, "service_date": "2026-11-02"} for n, (q, p, rate) in enumerate(lines)]})
    return invoicing.issue(ctx, draft.pk, issue_date=ON)


def sales_entry(invoice):
    return JournalEntry.objects.get(source_kind="invoice", source_id=invoice.pk)


def by_role(entry):
    rows = entry.lines.values("account__role").annotate(d=Sum("debit"), c=Sum("credit"))
    return {r["account__role"]: r["d"] - r["c"] for r in rows}


def foreign_open(invoice):
    """The foreign amounts on the invoice's receivable lines: what is open, in its currency."""
    total = JournalLine.objects.filter(invoice=invoice, account__role="receivables").aggregate(
        s=Sum("amount_currency"))["s"]
    return quantize(total, "USD")  # SQLite sums decimals as floats


@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("0.25"), max_value=Decimal("400"), places=2),
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
            st.sampled_from(["21", "9"]),
        ),
        min_size=1,
        max_size=6,
    ),
    rate=st.decimals(min_value=Decimal("0.00100000"), max_value=Decimal("30"), places=8),
)
def test_a_foreign_invoice_is_booked_in_the_accounting_currency(ctx, lines, rate):
    exchange.set_rate(ctx, {"currency": "USD", "date": "2026-11-01", "rate": str(rate)})
    invoice = issue_usd(ctx, usd_customer(ctx), lines)
    entry = sales_entry(invoice)
    totals = entry.lines.aggregate(d=Sum("debit"), c=Sum("credit"))
    assert totals["d"] == totals["c"]
    roles = by_role(entry)
    assert roles.get("receivables", 0) == quantize(invoice.tax_inclusive * rate, "EUR")
    assert -roles.get("vat_payable", 0) == invoice.tax_total_accounting
    # What rounding leaves is cents, never more than one per converted line.
    assert abs(roles.get("rounding", 0)) <= Decimal("0.01") * (len(lines) + 2)
    if invoice.tax_inclusive:  # an invoice of nothing opens no item
        receivable = entry.lines.get(account__role="receivables")
        assert (receivable.currency, receivable.amount_currency) == ("USD", invoice.tax_inclusive)
        assert foreign_open(invoice) == invoice.amount_open


def test_an_invoice_in_the_administrations_currency_keeps_no_foreign_amounts(ctx, customer, item):
    draft = invoicing.create_draft(ctx, {"customer_id": customer.pk, "lines": [
        {"item": "ONDH", "quantity": "3", "service_date": "2026-11-02"}]})
    invoice = invoicing.issue(ctx, draft.pk, issue_date=ON)
    receivable = sales_entry(invoice).lines.get(account__role="receivables")
    assert (receivable.debit, receivable.currency, receivable.amount_currency) == (invoice.tax_inclusive, "", None)


def test_a_full_credit_note_at_a_later_rate_reverses_the_entry_exactly(ctx):
    exchange.set_rate(ctx, {"currency": "USD", "date": "2026-11-01", "rate": "0.91234567"})
    exchange.set_rate(ctx, {"currency": "USD", "date": "2026-12-01", "rate": "0.8"})
    invoice = issue_usd(ctx, usd_customer(ctx), [("3", "33.33", "21"), ("7", "14.29", "9")])
    credit = invoicing.issue(ctx, invoicing.create_credit_note(ctx, invoice.pk, {"full": True}).pk, issue_date=LATER)
    issued, reversed_ = by_role(sales_entry(invoice)), by_role(sales_entry(credit))
    assert {role: -amount for role, amount in issued.items()} == reversed_
    assert open_in_ledger(ctx.administration.pk, [invoice.pk, credit.pk]) == {invoice.pk: 0}
    assert foreign_open(invoice) == 0 == Invoice.objects.get(pk=invoice.pk).amount_open


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    quantity=st.integers(min_value=2, max_value=30),
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999"), places=2),
    rate=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9"), places=8),
    split=st.integers(min_value=1, max_value=29),
)
def test_a_credit_note_then_a_write_off_leave_nothing_in_the_ledger(ctx, quantity, price, rate, split):
    exchange.set_rate(ctx, {"currency": "USD", "date": "2026-11-01", "rate": str(rate)})
    invoice = issue_usd(ctx, usd_customer(ctx), [(quantity, price, "21")])
    line = invoice.lines.get()
    part = min(split, quantity - 1)
    draft = invoicing.create_credit_note(ctx, invoice.pk, {"lines": [{"line_id": line.pk, "quantity": part}]})
    invoicing.issue(ctx, draft.pk, issue_date=LATER)
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert foreign_open(invoice) == invoice.amount_open
    invoice = invoicing.write_off(ctx, invoice.pk, "customer went bankrupt", on=LATER)
    write_off = JournalEntry.objects.get(source_kind="write_off", source_id=invoice.pk)
    assert write_off.lines.get(account__role="receivables").amount_currency == -invoice.amount_written_off
    assert invoice.amount_open == 0 and foreign_open(invoice) == 0
    assert open_in_ledger(ctx.administration.pk, [invoice.pk]) == {invoice.pk: 0}
