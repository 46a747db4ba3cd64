"""The billing run applies indexations that fell due and renews contracts that renew
automatically, each as a new contract version, shown in the preview; run again: nothing."""

from datetime import date
from decimal import Decimal

from facturo.billing import services as billing
from facturo.charges.models import Charge
from facturo.contracts import services as contracts
from facturo.contracts.indexation import load_index_series
from facturo.contracts.models import Annex, Contract, PriceIndexation
from facturo.invoicing.models import Invoice

from .conftest import monthly, run


def test_the_run_indexes_on_the_anniversary_once(ctx, customers):
    indexed = contracts.create_contract(
        ctx, monthly(customers[0], start_date="2025-03-01", indexation="percentage", indexation_percent="3.5")
    )
    series = contracts.create_contract(
        ctx,
        monthly(
            customers[1], number="C-2", site="S10", start_date="2025-03-01", indexation="index", indexation_series="CPI"
        ),
    )
    run(ctx, date(2026, 2, 1))
    assert not PriceIndexation.objects.exists()

    march = run(ctx, date(2026, 3, 1))
    shown = {(i["contract"], i["on"]): i for i in march.preview["indexations"]}
    assert shown[("C-1", "2026-03-01")]["basis"] == "3.5 %" and not shown[("C-1", "2026-03-01")]["problem"]
    # No CPI values loaded: listed with the reason, not applied, and the run goes on.
    assert "has no value for 2025-02, 2026-02" in shown[("C-2", "2026-03-01")]["problem"]
    [change] = PriceIndexation.objects.all()
    assert (change.contract_id, change.old_price, change.new_price, change.version) == (
        indexed.pk,
        Decimal("40.0000"),
        Decimal("41.4000"),
        2,
    )
    billed = Charge.objects.filter(contract_reference="C-1", period_start=date(2026, 3, 1)).get()
    assert (billed.unit_price, billed.source_id.endswith(".v2")) == (Decimal("41.4000"), True)
    assert Charge.objects.get(contract_reference="C-2", period_start=date(2026, 3, 1)).unit_price == Decimal("40")
    assert Annex.objects.filter(contract=indexed, version=2, description__startswith="Price indexation").exists()
    assert not Annex.objects.filter(contract=series, version=2).exists()

    again = run(ctx, date(2026, 3, 1))
    assert [i["contract"] for i in again.preview["indexations"]] == ["C-2"]
    assert PriceIndexation.objects.count() == 1 and (again.invoices, again.charges) == (0, 0)


def test_the_run_renews_automatically_as_a_new_version(ctx, customers):
    contract = contracts.create_contract(
        ctx, monthly(customers[0], end_date="2026-01-31", auto_renew=True, renewal_months=12)
    )
    started = billing.start_run(ctx, date(2026, 2, 1))
    assert started.preview["renewals"] == [{"contract": "C-1", "end_date": "2026-01-31"}]
    billing.approve_run(ctx, started.pk, enqueue=False)
    billing.work(started.pk)
    contract = Contract.objects.get(pk=contract.pk)
    assert (contract.end_date, contract.version) == (date(2027, 1, 31), 2)
    annex = Annex.objects.get(contract=contract, version=2)
    assert annex.effective_from == date(2026, 2, 1) and "Renewed automatically for 12 months" in annex.description
    assert run(ctx, date(2026, 2, 1)).preview["renewals"] == []
    assert Annex.objects.filter(contract=contract).count() == 2


def test_the_preview_prices_a_due_indexation_as_the_run_bills_it(ctx, customers):
    contracts.create_contract(
        ctx,
        monthly(
            customers[0],
            start_date="2025-03-01",
            indexation="percentage",
            indexation_percent="3.33",
            lines=[
                {"item": "MON", "quantity": "3", "unit_price": "40.15", "site": "S00"},
                {"item": "GUARD", "quantity": "1", "unit_price": "99.99", "site": "S01"},
            ],
        ),
    )
    contracts.create_contract(
        ctx,
        monthly(
            customers[1], number="C-2", site="S10", start_date="2025-03-01", indexation="index", indexation_series="CPI"
        ),
    )
    load_index_series(ctx, "CPI", "month,value\n2025-02,117.3\n2026-02,121.9\n")
    run(ctx, date(2026, 2, 1))

    started = billing.start_run(ctx, date(2026, 3, 1))
    shown = {i["contract"]: i for i in started.preview["indexations"]}
    # 40.15 × 1.0333 = 41.487 → 41.49; 99.99 × 1.0333 = 103.3197 → 103.32; 40 × 121.9/117.3 → 41.57
    assert shown["C-1"]["lines"] == [
        {"line": 1, "old_price": "40.15", "new_price": "41.49"},
        {"line": 2, "old_price": "99.99", "new_price": "103.32"},
    ]
    assert shown["C-2"]["lines"] == [{"line": 1, "old_price": "40.00", "new_price": "41.57"}]
    billing.approve_run(ctx, started.pk, enqueue=False)
    billing.work(started.pk)

    march = Invoice.objects.filter(kind="invoice", issue_date=date(2026, 3, 1))
    billed = {i.customer_id: i.tax_exclusive for i in march}
    assert billed == {customers[0].pk: Decimal("227.79"), customers[1].pk: Decimal("41.57")}
    assert started.preview["total"] == str(sum(billed.values()))
    assert {c["customer_id"]: Decimal(c["amount"]) for c in started.preview["per_customer"]} == billed
    assert [(t["type"], t["amount"]) for t in started.preview["per_type"]] == [("monitoring", "269.36")]
