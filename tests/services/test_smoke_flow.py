from datetime import date
from decimal import Decimal

from facturo.charges.services import create_charges
from facturo.invoicing import services as invoicing
from facturo.invoicing.chain import verify_chain
from facturo.ledger.services import receivables_balance, trial_balance


def test_charges_to_issued_invoice_to_credit_note(ctx, customer, item):
    create_charges(
        ctx,
        [
            {
                "reference": "r1",
                "customer": customer.number,
                "item": "ONDH",
                "quantity": "3",
                "service_date": "2026-11-02",
            },
            {
                "reference": "r2",
                "customer": customer.number,
                "description": "Filter",
                "quantity": "2",
                "unit_price": "12.50",
                "vat_category": "S",
                "vat_rate": "9",
                "service_date": "2026-11-03",
            },
        ],
        source_kind="import",
    )
    result = invoicing.draft_from_charges(ctx)
    assert (result.invoices, result.charges) == (1, 2)
    draft = invoicing.invoices(ctx, status="draft").get()
    assert draft.tax_inclusive == Decimal("195.00") + Decimal("40.95") + Decimal("25.00") + Decimal("2.25")
    issued = invoicing.issue(ctx, draft.pk, issue_date=date(2026, 11, 20))
    assert issued.number == "2026-000001"
    assert issued.due_date == date(2026, 12, 20)
    credit = invoicing.create_credit_note(ctx, issued.pk, {"amount": "50.00", "vat_category": "S", "vat_rate": "21"})
    credit = invoicing.issue(ctx, credit.pk, issue_date=date(2026, 11, 21))
    issued.refresh_from_db()
    assert credit.tax_inclusive == Decimal("60.50")
    assert issued.amount_open == Decimal("263.20") - Decimal("60.50")
    assert receivables_balance(ctx) == issued.amount_open
    rows = trial_balance(ctx)
    assert sum(r.balance for r in rows) == 0
    assert verify_chain(ctx.administration).ok
