"""Changes inside invoiced periods: accepted, and corrected exactly once by the next run."""

from datetime import date
from decimal import Decimal

import pytest

from facturo.charges.models import Charge
from facturo.contracts import services as contracts
from facturo.contracts.models import PeriodCorrection, RetroactiveChange
from facturo.errors import ValidationFailed
from facturo.invoicing.models import Invoice, InvoiceLine

from .conftest import run


def quarterly(customer, number="Q-1", price="900.00"):
    return {
        "number": number,
        "customer": customer.number,
        "type": "maintenance",
        "start_date": "2026-01-01",
        "lines": [{"item": "MON", "unit_price": price, "frequency": "quarterly", "site": "S00"}],
    }


def test_a_price_increase_inside_an_invoiced_quarter_is_charged_once(ctx, customers):
    contract = contracts.create_contract(ctx, quarterly(customers[0]))
    run(ctx, date(2026, 1, 1))  # Q1 invoiced in advance: 900.00
    original = InvoiceLine.objects.get(invoice__kind="invoice")
    # From 1 March (31 of the quarter's 90 days) the price is 1,080.00 a quarter.
    contracts.add_annex(
        ctx,
        contract.pk,
        {"effective_from": "2026-03-01", "description": "New price", "changes": [{"line": 1, "unit_price": "1080"}]},
    )
    assert RetroactiveChange.objects.get().kind == "annex"

    april = run(ctx, date(2026, 4, 1))
    (correction,) = april.preview["corrections"]
    # 900 × 59/90 + 1080 × 31/90 = 590.00 + 372.00 = 962.00: 62.00 on top of 900.00
    assert (correction["billed"], correction["due"], correction["amount"], correction["kind"]) == (
        "900.00",
        "962.00",
        "62.00",
        "charge",
    )
    assert april.preview["corrections_total"] == "62.00"
    row = PeriodCorrection.objects.get()
    assert (row.original_line_id, row.original_invoice, row.version) == (original.pk, original.invoice.number, 2)
    charge = Charge.objects.get(source_kind="correction")
    assert charge.unit_price == Decimal("62.00") and charge.state == "invoiced"
    assert f"invoice {original.invoice.number} line 1" in charge.description and "v2" in charge.description
    # The April invoice has Q2 at the new price and the Q1 correction.
    latest = Invoice.objects.filter(kind="invoice").order_by("-id").first()
    assert latest.tax_exclusive == Decimal("1142.00")

    again = run(ctx, date(2026, 4, 1))
    assert again.preview["corrections"] == [] and (again.invoices, again.charges) == (0, 0)
    assert PeriodCorrection.objects.count() == 1


def test_a_suspension_inside_an_invoiced_quarter_is_credited_on_the_original_invoice(ctx, customers):
    contract = contracts.create_contract(ctx, quarterly(customers[0]))
    run(ctx, date(2026, 1, 1))
    first = Invoice.objects.get(kind="invoice")
    with pytest.raises(ValidationFailed) as failed:
        contracts.suspend(ctx, contract.pk, {"start_date": "2025-12-01", "end_date": "2026-01-09", "reason": "x"})
    assert failed.value.errors[0].path == "start_date" and "before the contract start" in failed.value.errors[0].message
    # 18 days of the 90 suspended: 900 × 18/90 = 180.00 back.
    contracts.suspend(ctx, contract.pk, {"start_date": "2026-02-01", "end_date": "2026-02-18", "reason": "works"})
    february = run(ctx, date(2026, 2, 1))
    assert [c["amount"] for c in february.preview["corrections"]] == ["-180.00"]
    credit = Invoice.objects.get(kind="credit_note")
    assert (credit.corrects_id, credit.tax_exclusive, credit.state) == (first.pk, Decimal("180.00"), "issued")
    assert PeriodCorrection.objects.get().credit_note == credit.number
    assert run(ctx, date(2026, 2, 1)).invoices == 0
    assert Invoice.objects.filter(kind="credit_note").count() == 1
