"""Corrections of periods whose invoice was already credited by hand, or cannot be credited:
the run takes the hand credits into account, never stays stuck, and reports what it could not do."""

from datetime import date
from decimal import Decimal

from facturo.billing import services as billing
from facturo.contracts import services as contracts
from facturo.contracts.models import PeriodCorrection, RetroactiveChange
from facturo.invoicing import services as invoicing
from facturo.invoicing.models import Invoice
from facturo.parties.services import create_customer

from .conftest import run
from .test_corrections import quarterly


def credit_by_hand(ctx, invoice, data):
    credit = invoicing.create_credit_note(ctx, invoice.pk, {"reason": "by hand", **data})
    return invoicing.issue(ctx, credit.pk, issue_date=date(2026, 1, 15))


def suspend_february(ctx, contract):
    # 18 of the quarter's 90 days: 900 × 18/90 = 180.00 no longer due.
    contracts.suspend(ctx, contract.pk, {"start_date": "2026-02-01", "end_date": "2026-02-18", "reason": "works"})


def test_an_invoice_credited_in_full_by_hand_gets_no_second_credit_and_the_run_completes(ctx, customers):
    contract = contracts.create_contract(ctx, quarterly(customers[0]))
    run(ctx, date(2026, 1, 1))
    first = Invoice.objects.get(kind="invoice")
    credit_by_hand(ctx, first, {"full": True})
    suspend_february(ctx, contract)

    february = run(ctx, date(2026, 2, 1))

    assert february.state == "done" and not february.chunks.filter(state="pending").exists()
    assert Invoice.objects.filter(kind="credit_note").count() == 1  # the hand credit only
    correction = PeriodCorrection.objects.get()
    assert (correction.amount, correction.credit_note) == (Decimal("-180.00"), "")
    assert RetroactiveChange.objects.get().run_id == february.pk
    (listed,) = billing.completeness(ctx, february.pk)["corrections"]
    assert (listed["contract"], listed["line"], listed["period"]) == (contract.number, 1, "2026-01-01..2026-03-31")
    assert "180.00" in listed["reason"] and first.number in listed["reason"] and "credited" in listed["reason"]
    assert run(ctx, date(2026, 2, 1)).invoices == 0  # corrected once


def test_a_partly_credited_invoice_is_credited_only_for_what_is_still_open(ctx, customers):
    contract = contracts.create_contract(ctx, quarterly(customers[0]))
    run(ctx, date(2026, 1, 1))
    first = Invoice.objects.get(kind="invoice")
    # 800.00 + VAT credited by hand: 100.00 + VAT is left to credit on the invoice.
    credit_by_hand(ctx, first, {"amount": "800.00", "vat_category": "S", "vat_rate": "21.00"})
    suspend_february(ctx, contract)

    february = run(ctx, date(2026, 2, 1))

    assert february.state == "done"
    credit = Invoice.objects.filter(kind="credit_note").order_by("-id").first()
    assert (credit.corrects_id, credit.tax_exclusive, credit.state) == (first.pk, Decimal("100.00"), "issued")
    first.refresh_from_db()
    assert first.tax_inclusive - sum(c.tax_inclusive for c in Invoice.objects.filter(corrects=first)) == 0
    assert PeriodCorrection.objects.get().credit_note == credit.number
    (listed,) = billing.completeness(ctx, february.pk)["corrections"]
    assert "100.00" in listed["reason"] and "80.00" in listed["reason"]


def test_a_correction_that_cannot_be_made_is_reported_and_the_rest_of_the_chunk_is_billed(ctx, customers):
    # A customer in dollars without an exchange rate: its January invoice stays a draft.
    dollars = create_customer(ctx, {"name": "Overseas Inc", "country": "NL", "currency": "USD", "language": "en"})
    stuck = contracts.create_contract(
        ctx,
        {
            **quarterly(dollars, number="Q-USD"),
            "lines": [{"item": "MON", "unit_price": "900.00", "frequency": "quarterly"}],
        },
    )
    other = contracts.create_contract(ctx, quarterly(customers[0]))
    january = run(ctx, date(2026, 1, 1))
    assert len(january.refused) == 1
    suspend_february(ctx, stuck)
    suspend_february(ctx, other)

    february = run(ctx, date(2026, 2, 1))

    assert february.state == "done" and not february.chunks.filter(state="pending").exists()
    # The other contract is corrected in the same chunk.
    assert PeriodCorrection.objects.get().contract_id == other.pk
    assert Invoice.objects.filter(kind="credit_note", state="issued").count() == 1
    (listed,) = billing.completeness(ctx, february.pk)["corrections"]
    assert (listed["contract"], listed["period"]) == ("Q-USD", "2026-01-01..2026-03-31")
    assert "not corrected" in listed["reason"] and "issued" in listed["reason"]
    # Its change stays pending: a later run corrects it once the invoice is issued.
    assert RetroactiveChange.objects.get(contract=stuck).run_id is None
