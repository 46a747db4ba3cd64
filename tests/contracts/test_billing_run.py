"""The billing run: preview, approval, charges to issued invoices; run again: nothing new."""

from datetime import date
from decimal import Decimal

import pytest

from facturo.billing import services as billing
from facturo.billing.models import BillingRun, RunChunk
from facturo.charges.models import Charge
from facturo.contracts import services as contracts
from facturo.contracts.charging import version_of
from facturo.contracts.models import BilledPeriod
from facturo.errors import Conflict
from facturo.invoicing.chain import verify_chain
from facturo.invoicing.models import Invoice, InvoiceLine

from .conftest import monthly, run


def issued(ctx):
    return Invoice.objects.filter(administration=ctx.administration, state="issued")


def test_preview_approve_issue_and_run_again_creates_nothing(ctx, customers):
    contracts.create_contract(ctx, monthly(customers[0], start_date="2026-11-01"))
    contracts.create_contract(ctx, monthly(customers[1], number="C-2", site="S10", start_date="2026-11-01"))
    started = billing.start_run(ctx, date(2026, 11, 1))
    preview = started.preview
    assert preview["total"] == "80.00" and preview["contracts"] == 2 and preview["customers"] == 2
    assert preview["per_type"] == [
        {
            "type": "monitoring",
            "name": "Monitoring",
            "contracts": 2,
            "amount": "80.00",
            "previous": None,
            "change": None,
        }
    ]
    assert not Charge.objects.exists()  # a preview writes nothing
    billing.approve_run(ctx, started.pk, enqueue=False)
    billing.work(started.pk)
    started.refresh_from_db()
    assert (started.state, started.invoices, started.charges) == ("done", 2, 2)
    assert sorted(issued(ctx).values_list("tax_exclusive", flat=True)) == [Decimal("40.00")] * 2
    line = InvoiceLine.objects.filter(invoice__in=issued(ctx)).first()
    assert (line.period_start, line.period_end) == (date(2026, 11, 1), date(2026, 11, 30))

    again = run(ctx, date(2026, 11, 1))
    assert (again.invoices, again.charges) == (0, 0)
    assert issued(ctx).count() == 2
    assert again.preview["not_billed_count"] == 2
    assert "next due 2026-12-01" in again.preview["not_billed"][0]["reason"]
    december = run(ctx, date(2026, 12, 1))
    assert december.invoices == 2
    assert december.preview["per_type"][0]["previous"] == "80.00"
    assert sorted(issued(ctx).values_list("sequence", flat=True)) == [1, 2, 3, 4]
    assert verify_chain(ctx.administration).ok


def test_annex_inside_the_period_bills_each_piece_and_names_its_version(ctx, customers):
    contract = contracts.create_contract(ctx, monthly(customers[0], start_date="2026-11-01", type="monitoring"))
    run(ctx, date(2026, 11, 1))
    contracts.add_annex(
        ctx,
        contract.pk,
        {"effective_from": "2026-12-15", "description": "price", "changes": [{"line": 1, "unit_price": "71.30"}]},
    )
    december = run(ctx, date(2026, 12, 1))
    assert december.invoices == 1
    invoice = issued(ctx).order_by("-id").first()
    lines = list(invoice.lines.select_related("charge").order_by("period_start"))
    assert [(x.period_start.day, x.period_end.day, x.net_amount) for x in lines] == [
        (1, 14, Decimal("18.06")),  # 40.00 × 14/31
        (15, 31, Decimal("39.10")),  # 71.30 × 17/31
    ]
    assert [version_of(x.charge.source_id) for x in lines] == [1, 2]
    assert "14/31 days" in lines[0].description


def test_termination_mid_quarter_prorates_in_arrears(ctx, customers):
    data = monthly(customers[0], start_date="2026-01-01", type="maintenance")
    data["lines"] = [{"item": "MON", "unit_price": "900.00", "frequency": "quarterly", "timing": "arrears"}]
    contract = contracts.create_contract(ctx, data)
    contracts.terminate(ctx, contract.pk, date(2026, 2, 14), "moved out")
    result = run(ctx, date(2026, 4, 1))
    assert result.invoices == 1
    line = InvoiceLine.objects.get(invoice__in=issued(ctx))
    assert (line.period_start, line.period_end, line.net_amount) == (
        date(2026, 1, 1),
        date(2026, 2, 14),
        Decimal("450.00"),
    )
    assert run(ctx, date(2026, 7, 1)).invoices == 0


def test_periods_never_billed_are_caught_up_and_flagged(ctx, customers):
    contracts.create_contract(ctx, monthly(customers[0], start_date="2026-08-01"))
    started = billing.start_run(ctx, date(2026, 11, 1))
    assert started.preview["caught_up_count"] == 3  # August to October, the server was down
    assert [c["period_start"] for c in started.preview["caught_up"]] == ["2026-08-01", "2026-09-01", "2026-10-01"]
    billing.approve_run(ctx, started.pk, enqueue=False)
    billing.work(started.pk)
    assert BilledPeriod.objects.filter(caught_up=True).count() == 3
    assert Charge.objects.count() == 4
    report = billing.completeness(ctx, started.pk)
    assert (report["invoiced_periods"], report["caught_up_periods"], report["still_due_periods"]) == (4, 3, 0)


def test_a_suspended_period_is_skipped_with_its_reason(ctx, customers):
    contract = contracts.create_contract(ctx, monthly(customers[0], start_date="2026-10-01"))
    contracts.suspend(ctx, contract.pk, {"start_date": "2026-11-01", "end_date": "2026-11-30", "reason": "works"})
    result = run(ctx, date(2026, 11, 1))
    report = billing.completeness(ctx, result.pk)
    assert report["skipped"] == [
        {"contract": "C-1", "line": 1, "period": "2026-11-01..2026-11-30", "reason": "suspended for the whole period"}
    ]
    assert report["invoiced_periods"] == 1  # October


def test_inactive_customer_is_reported_not_billed_and_billed_later(ctx, customers):
    contracts.create_contract(ctx, monthly(customers[0], start_date="2026-11-01"))
    customers[0].is_active = False
    customers[0].save()
    result = run(ctx, date(2026, 11, 1))
    assert result.invoices == 0
    report = billing.completeness(ctx, result.pk)
    assert report["still_due_periods"] == 0 and report["not_billed_count"] == 1
    assert "customer is inactive" in report["not_billed"][0]["reason"]
    customers[0].is_active = True
    customers[0].save()
    assert run(ctx, date(2026, 11, 2)).invoices == 1


def test_one_open_run_at_a_time_and_runs_go_forward(ctx, customers):
    contracts.create_contract(ctx, monthly(customers[0], start_date="2026-11-01"))
    first = billing.start_run(ctx, date(2026, 11, 1))
    with pytest.raises(Conflict):
        billing.start_run(ctx, date(2026, 11, 1))
    billing.cancel_run(ctx, first.pk)
    run(ctx, date(2026, 11, 5))
    with pytest.raises(Exception, match="runs go forward"):
        billing.start_run(ctx, date(2026, 11, 1))


def test_grouping_preferences_own_invoice_and_collective(ctx, customers):
    contracts.create_contract(ctx, monthly(customers[0], start_date="2026-11-01", grouping="own"))
    contracts.create_contract(ctx, monthly(customers[0], number="C-2", start_date="2026-11-01", grouping="own"))
    contracts.create_contract(ctx, monthly(customers[1], number="C-3", site="S10", start_date="2026-11-01"))
    contracts.create_contract(ctx, monthly(customers[1], number="C-4", site="S11", start_date="2026-11-01"))
    run(ctx, date(2026, 11, 1))
    per_customer = {c.pk: issued(ctx).filter(customer=c).count() for c in customers}
    assert per_customer == {customers[0].pk: 2, customers[1].pk: 1}


def test_a_chunk_that_fails_midway_leaves_nothing_and_the_run_resumes(ctx, second_ctx, customers, monkeypatch):
    """Same contracts in two administrations; one run crashes in its second chunk and is
    resumed: both end with the same invoices, numbered without gap or duplicate."""
    from tests.contracts.conftest import setup_administration

    others = setup_administration(second_ctx)
    for c in (ctx, second_ctx):
        group = customers if c is ctx else others
        for i, customer in enumerate(group):
            contracts.create_contract(c, monthly(customer, number=f"C-{i}", site=f"S{i}0", start_date="2026-10-01"))
    run(second_ctx, date(2026, 11, 1), chunk_customers=1)

    started = billing.start_run(ctx, date(2026, 11, 1))
    billing.approve_run(ctx, started.pk, enqueue=False, chunk_customers=1)
    real = billing.invoicing.issue_invoices
    calls = {"n": 0}

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(billing.invoicing, "issue_invoices", crash_on_second)
    with pytest.raises(RuntimeError):
        billing.work(started.pk)
    assert RunChunk.objects.filter(run=started, state="done").count() == 1
    assert Charge.objects.filter(administration=ctx.administration).count() == 2  # chunk 2 left nothing
    monkeypatch.undo()
    billing.work(started.pk)
    started.refresh_from_db()
    assert started.state == "done"

    def summary(c):
        return sorted(
            (i.customer.name, i.number, i.tax_inclusive, i.lines.count()) for i in issued(c).select_related("customer")
        )

    assert summary(ctx) == summary(second_ctx)
    assert sorted(issued(ctx).values_list("sequence", flat=True)) == [1, 2]
    assert BillingRun.objects.get(pk=started.pk).chunks_done == 2


def test_a_failing_chunk_keeps_its_reason_and_is_retried(ctx, customers, monkeypatch):
    contracts.create_contract(ctx, monthly(customers[0], start_date="2026-11-01"))
    started = billing.start_run(ctx, date(2026, 11, 1))
    billing.approve_run(ctx, started.pk, enqueue=False)

    def no_rate(*args, **kwargs):
        raise Conflict("contract C-1 line 1: no standard VAT rate in NL on 2026-11-01")

    monkeypatch.setattr(billing, "bill_contracts", no_rate)
    with pytest.raises(Conflict):
        billing.work(started.pk)
    progress = billing.progress(ctx, started.pk)
    assert progress.errors == ("chunk 0: contract C-1 line 1: no standard VAT rate in NL on 2026-11-01",)
    assert not Charge.objects.exists()
    monkeypatch.undo()
    billing.work(started.pk)
    assert billing.progress(ctx, started.pk).errors == ()
    assert billing.get_run(ctx, started.pk).invoices == 1


def test_an_old_contract_catches_up_once_then_bills_month_by_month(ctx, customers):
    contracts.create_contract(ctx, monthly(customers[0], start_date="2020-01-01"))
    first = run(ctx, date(2026, 11, 1))
    assert BilledPeriod.objects.count() == 83 and BilledPeriod.objects.filter(caught_up=True).count() == 82
    assert first.invoices == 1
    second = run(ctx, date(2026, 12, 1))
    assert second.charges == 1 and BilledPeriod.objects.count() == 84
    assert run(ctx, date(2026, 12, 15)).charges == 0


@pytest.mark.parametrize("language, note", [("nl", "(14/31 dagen)"), ("fr", "(14/31 jours)"), ("pl", "(14/31 dni)"),
                                            ("en", "(14/31 days)")])
def test_the_proration_note_is_in_the_customers_language(ctx, customers, language, note):
    from django.utils import translation

    from facturo.parties.services import update_customer

    update_customer(ctx, customers[0].pk, {"language": language})
    contract = contracts.create_contract(ctx, monthly(customers[0], start_date="2026-11-01", type="monitoring"))
    run(ctx, date(2026, 11, 1))
    contracts.add_annex(
        ctx,
        contract.pk,
        {"effective_from": "2026-12-15", "description": "price", "changes": [{"line": 1, "unit_price": "71.30"}]},
    )
    with translation.override("en"):  # the clerk's language does not matter
        run(ctx, date(2026, 12, 1))
    invoice = issued(ctx).order_by("-id").first()
    first = invoice.lines.order_by("period_start").first()
    assert first.description.endswith(note)
