"""A billing clerk's month, as the issue tells it: contracts, an annex, a termination, usage,
the run's preview, approval, issued invoices; run again: nothing new."""

from datetime import date
from decimal import Decimal

import pytest

from facturo.billing import services as billing
from facturo.contracts import services as contracts
from facturo.contracts import usage
from facturo.errors import ValidationFailed
from facturo.invoicing.chain import verify_chain
from facturo.invoicing.models import Invoice


def test_a_month_of_recurring_billing(ctx, customers):
    linde, jansen = customers
    # Set up a guarding contract for De Linde with its sites and usage rates, billed monthly.
    guarding = contracts.create_contract(
        ctx,
        {
            "number": "G-100",
            "customer": linde.number,
            "type": "guarding",
            "start_date": "2026-10-01",
            "sites": ["S00"],
            "lines": [{"item": "MON", "unit_price": "300.00", "site": "S00"}],
            "usage_rates": [
                {"kind": "guard_hours", "rate": "30", "night_rate": "36", "weekend_rate": "42", "holiday_rate": "60"},
                {"kind": "pickup", "rate": "17.50"},
                {"kind": "delivery", "rate": "22.50"},
            ],
        },
    )
    # And a quarterly maintenance contract for Jansen, in advance.
    maintenance = contracts.create_contract(
        ctx,
        {
            "number": "M-200",
            "customer": jansen.number,
            "type": "maintenance",
            "start_date": "2026-10-01",
            "lines": [{"item": "MON", "unit_price": "600.00", "frequency": "quarterly", "site": "S10"}],
        },
    )
    october = billing.start_run(ctx, date(2026, 10, 1))
    billing.approve_run(ctx, october.pk, enqueue=False)
    billing.work(october.pk)

    # An annex raises the guarding price from the 15th of next month and adds a site.
    contracts.add_annex(
        ctx,
        guarding.pk,
        {
            "effective_from": "2026-11-15",
            "description": "Price and second site",
            "changes": [{"line": 1, "unit_price": "360.00"}],
            "sites": ["S01"],
        },
    )
    # Jansen stops mid-quarter, but the quarter was billed in advance: the termination is
    # accepted and the next run credits the days after the end.
    with pytest.raises(ValidationFailed, match="before the contract start"):
        contracts.terminate(ctx, maintenance.pk, date(2026, 9, 30), "closing the shop")
    contracts.terminate(ctx, maintenance.pk, date(2026, 11, 15), "closing the shop")
    # Last month's guard hours and a convoy task card (pick-up and delivery) come in.
    usage.import_usage_csv(
        ctx,
        b"reference,site,kind,date,start,end,quantity,card\n"
        b"h1,S00,guard_hours,2026-10-20,20:00,04:00,,\n"
        b"h2,S01,guard_hours,2026-11-16,08:00,16:00,,\n"
        b"t7-p,S00,pickup,2026-10-21,,,1,T-7\n"
        b"t7-d,S01,delivery,2026-11-16,,,1,T-7\n",
    )

    november = billing.start_run(ctx, date(2026, 11, 30))
    preview = november.preview
    # 300 × 14/30 + 360 × 16/30 = 140 + 192; guard hours 2 × 30 + 6 × 36 + 8 × 30; tasks 17.50 + 22.50
    assert preview["total"] == str(Decimal("140.00") + Decimal("192.00") + 60 + 216 + 240 + Decimal("40.00"))
    # The quarter Oct–Dec (92 days) was invoiced 600.00; service ended 15 November, so the
    # 46 days after it are credited: 600 × 46/92.
    assert [(c["contract"], c["period_start"], c["amount"], c["kind"]) for c in preview["corrections"]] == [
        ("M-200", "2026-10-01", "-300.00", "credit")
    ]
    billing.approve_run(ctx, november.pk, enqueue=False)
    billing.work(november.pk)
    november.refresh_from_db()
    assert (november.state, november.invoices) == ("done", 2)
    invoice = Invoice.objects.filter(state="issued", kind="invoice").order_by("-id").first()
    assert invoice.customer_id == linde.pk and invoice.tax_exclusive == Decimal("888.00")
    credit = Invoice.objects.get(kind="credit_note")
    assert credit.customer_id == jansen.pk and credit.tax_exclusive == Decimal("300.00")
    assert credit.corrects.contract_reference == "M-200" and credit.state == "issued"

    again = billing.start_run(ctx, date(2026, 11, 30))
    assert again.preview["total"] == "0.00"
    billing.cancel_run(ctx, again.pk)
    assert verify_chain(ctx.administration).ok
