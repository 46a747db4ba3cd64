"""Usage: import all or nothing, rating by the contract's terms, each record billed once."""

from datetime import date
from decimal import Decimal

import pytest

from facturo.charges.models import Charge
from facturo.contracts import services as contracts
from facturo.contracts import usage
from facturo.contracts.models import UsageRecord
from facturo.errors import ValidationFailed
from facturo.invoicing.models import Invoice

from .conftest import run

GUARD_RATES = {
    "kind": "guard_hours",
    "item": "GUARD",
    "rate": "30.00",
    "night_rate": "36.00",
    "weekend_rate": "42.00",
    "holiday_rate": "60.00",
    "minimum_charge": "100.00",
}


@pytest.fixture
def guarding(ctx, customers):
    return contracts.create_contract(
        ctx,
        {
            "number": "G-1",
            "customer": customers[0].number,
            "type": "guarding",
            "start_date": "2026-01-01",
            "sites": ["S00", "S01"],
            "lines": [{"item": "MON", "unit_price": "250.00", "description": "Guarding base fee"}],
            "usage_rates": [
                GUARD_RATES,
                {"kind": "pickup", "rate": "17.50", "description": "Convoy pick-up"},
                {"kind": "delivery", "rate": "22.50", "description": "Convoy delivery"},
                {"kind": "callout", "rate": "65.00", "minimum_charge": "75.00", "description": "Call-out"},
            ],
        },
    )


CSV = """reference,site,kind,date,start,end,quantity,card
g1,S00,guard_hours,2026-10-06,18:00,02:00,,
g2,S01,guard_hours,2026-10-10,08:00,12:00,,
g3,S00,guard_hours,2026-12-25,08:00,10:00,,
t1-p,S00,pickup,2026-10-07,,,1,T-100
t1-d,S01,delivery,2026-10-07,,,1,T-100
c1,S00,callout,2026-10-08,,,0.5,
"""


def test_import_rate_and_bill_each_record_once(ctx, guarding):
    result = usage.import_usage_csv(ctx, CSV.encode())
    assert len(result.created) == 6
    again = usage.import_usage_csv(ctx, CSV.encode())
    assert again.created == [] and len(again.already_present) == 6
    october = run(ctx, date(2026, 11, 1))
    assert october.invoices == 1
    amounts = [c.quantity * c.unit_price for c in Charge.objects.filter(source_kind="usage")]
    # g1 Tuesday 18-22 weekday + 22-02 night; g2 Saturday 4h weekend, topped up to the minimum 100;
    # pick-up and delivery of card T-100 priced apart; a half-hour call-out topped up to 75.
    assert sorted(amounts) == sorted(Decimal(x) for x in ("120", "144", "168", "17.50", "22.50", "32.5", "42.5"))
    assert UsageRecord.objects.filter(billed=True).count() == 5  # the Christmas shift is not due yet
    invoice = Invoice.objects.get(state="issued")
    assert invoice.lines.count() == 11 + 7  # base fee January to November (caught up), 7 usage charges
    assert run(ctx, date(2026, 11, 2)).charges == 0
    december = run(ctx, date(2026, 12, 31))
    holiday = Charge.objects.get(source_id__endswith=":holiday")
    assert (holiday.quantity, holiday.unit_price) == (Decimal("2.0000"), Decimal("60.0000"))
    assert december.invoices == 1


def test_bad_usage_names_row_and_column_and_writes_nothing(ctx, guarding, customers):
    contracts.terminate(ctx, guarding.pk, date(2026, 10, 31), "ended")
    bad = """reference,site,kind,date,start,end,quantity
ok1,S00,guard_hours,2026-10-06,18:00,20:00,
b1,NOPE,guard_hours,2026-10-06,18:00,20:00,
b2,S10,guard_hours,2026-10-06,18:00,20:00,
b3,S00,guard_hours,2026-11-06,18:00,20:00,
b4,S00,guard_hours,2026-10-06,18:00,,
b5,S00,mowing,2026-10-06,,,1
ok1,S00,pickup,2026-10-07,,,1
"""
    with pytest.raises(ValidationFailed) as exc:
        usage.import_usage_csv(ctx, bad.encode())
    errors = {e.path: e.message for e in exc.value.errors}
    assert errors["row 3, column site"] == "no site 'NOPE' in this administration"
    assert "row 4, column site" not in errors  # S10 has no contract: kept, alerted, billed later
    assert "outside contract G-1" in errors["row 5, column date"]
    assert "give both start and end" in errors["row 6, column end"]
    assert "'mowing' is not one of" in errors["row 7, column kind"]
    assert "repeats the reference of row 2" in errors["row 8, column reference"]
    assert not UsageRecord.objects.exists()


def test_usage_through_the_api_shape(ctx, guarding):
    with pytest.raises(ValidationFailed) as exc:
        usage.record_usage(ctx, [{"reference": "x", "site": "S00", "kind": "callout", "date": "2026-10-01"}])
    assert [e.path for e in exc.value.errors] == ["rows[0].quantity"]
    created = usage.record_usage(
        ctx,
        [
            {
                "reference": "x",
                "contract": "G-1",
                "site": "S00",
                "kind": "callout",
                "date": "2026-10-01",
                "quantity": "2",
            }
        ],
    )
    assert created.created[0].contract_id == guarding.pk


def test_usage_for_a_site_without_a_contract_waits_for_one(ctx, guarding, customers):
    from facturo.contracts import alerts

    usage.record_usage(
        ctx, [{"reference": "o1", "site": "S10", "kind": "callout", "date": "2026-10-05", "quantity": "2"}]
    )
    assert UsageRecord.objects.get().contract is None
    assert [(a.kind, a.subject) for a in alerts.alerts(ctx, today=date(2026, 10, 6)) if a.kind == "site"] == [
        ("site", "S10")
    ]
    first = run(ctx, date(2026, 11, 1))
    assert first.preview["usage_without_contract"] == 1
    assert not Charge.objects.filter(source_kind="usage").exists()
    contracts.create_contract(
        ctx,
        {
            "number": "J-1",
            "customer": customers[1].number,
            "type": "guarding",
            "start_date": "2026-10-01",
            "sites": ["S10"],
            "lines": [{"item": "MON", "unit_price": "10.00"}],
            "usage_rates": [{"kind": "callout", "rate": "65.00"}],
        },
    )
    second = run(ctx, date(2026, 11, 2))
    assert second.preview["usage_without_contract"] == 0
    assert Charge.objects.get(source_kind="usage").unit_price == Decimal("65.0000")
