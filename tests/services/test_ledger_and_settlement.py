"""Invariant 5: every journal entry balances; the receivables account equals the open items.
Invariant 4 through the services: several VAT rates and document allowances on one invoice."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from facturo.charges.services import create_charges
from facturo.errors import Conflict, ValidationFailed
from facturo.invoicing import services as invoicing
from facturo.invoicing.models import Invoice
from facturo.ledger.models import JournalEntry, JournalLine
from facturo.ledger.services import receivables_balance, trial_balance

D = Decimal


def assert_books_agree(ctx) -> None:
    for entry in JournalEntry.objects.filter(administration=ctx.administration):
        sums = entry.lines.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert sums["d"] == sums["c"], entry.description
    open_items = sum(r.open_amount for r in invoicing.receivables_per_customer(ctx))
    assert receivables_balance(ctx) == open_items
    assert sum(r.balance for r in trial_balance(ctx)) == 0
    for invoice in Invoice.objects.filter(administration=ctx.administration, state="issued"):
        ledger = JournalLine.objects.filter(invoice=invoice, account__role="receivables").aggregate(
            d=Sum("debit"), c=Sum("credit")
        )
        balance = (ledger["d"] or 0) - (ledger["c"] or 0)
        assert balance == invoicing.signed_open_amount(invoice), invoice.number


@pytest.fixture
def issued(ctx, customer, item):
    invoice = invoicing.create_draft(
        ctx,
        {
            "customer_id": customer.pk,
            "lines": [
                {"item": "ONDH", "quantity": "4", "discount_percent": "10", "service_date": "2026-11-03"},
                {
                    "description": "Thermostaat",
                    "quantity": "1",
                    "unit_price": "149.95",
                    "vat_category": "S",
                    "vat_rate": "21",
                    "service_date": "2026-11-03",
                },
                {
                    "description": "Verlichting",
                    "quantity": "3",
                    "unit_price": "19.99",
                    "vat_category": "S",
                    "vat_rate": "9",
                    "service_date": "2026-11-03",
                },
                {
                    "description": "Leges",
                    "quantity": "1",
                    "unit_price": "35.00",
                    "vat_category": "Z",
                    "service_date": "2026-11-03",
                },
            ],
            "allowances_charges": [
                {"is_charge": False, "amount": "10.00", "reason": "Vaste klant", "vat_category": "S", "vat_rate": "21"},
                {"is_charge": True, "amount": "7.50", "reason": "Voorrijkosten", "vat_category": "S", "vat_rate": "9"},
            ],
        },
    )
    return invoicing.issue(ctx, invoice.pk, issue_date=date(2026, 11, 20))


def test_totals_follow_en16931_with_three_rates_and_document_allowances(issued):
    # 4 × 65.00 − 10 % = 234.00; + 149.95 → S21 base 383.95 − 10.00 allowance = 373.95
    vat = {(v.category, v.rate): (v.taxable_amount, v.tax_amount) for v in issued.vat_lines.all()}
    assert vat[("S", D("21.00"))] == (D("373.95"), D("78.53"))
    assert vat[("S", D("9.00"))] == (D("67.47"), D("6.07"))  # 59.97 + 7.50
    assert vat[("Z", D("0.00"))] == (D("35.00"), D("0.00"))
    assert issued.line_total == D("478.92")
    assert (issued.allowance_total, issued.charge_total) == (D("10.00"), D("7.50"))
    assert issued.tax_exclusive == D("476.42")
    assert issued.tax_inclusive == D("476.42") + D("84.60")
    assert isinstance(issued.tax_inclusive, Decimal)


def test_issue_books_a_balanced_sales_entry(ctx, issued):
    assert_books_agree(ctx)
    assert receivables_balance(ctx) == issued.tax_inclusive


def test_partial_credit_per_line_then_write_off_of_the_rest(ctx, issued):
    line = issued.lines.get(description="Thermostaat")
    credit = invoicing.create_credit_note(ctx, issued.pk, {"lines": [{"line_id": line.pk, "quantity": "1"}]})
    credit = invoicing.issue(ctx, credit.pk, issue_date=date(2026, 11, 21))
    assert credit.number == "C2026-000001"
    assert credit.tax_inclusive == D("181.44")
    issued.refresh_from_db()
    assert issued.settlement == "open" and issued.amount_open == D("561.02") - D("181.44")
    assert_books_agree(ctx)
    with pytest.raises(ValidationFailed, match="left to credit"):
        invoicing.create_credit_note(ctx, issued.pk, {"lines": [{"line_id": line.pk, "quantity": "1"}]})
    invoicing.write_off(ctx, issued.pk, "klant failliet", date(2026, 12, 1))
    issued.refresh_from_db()
    assert (issued.settlement, issued.amount_open) == ("written_off", D("0.00"))
    assert_books_agree(ctx)
    with pytest.raises(Conflict):
        invoicing.write_off(ctx, issued.pk, "again")


def test_full_credit_marks_the_invoice_credited(ctx, issued):
    credit = invoicing.create_credit_note(ctx, issued.pk, {"full": True, "reason": "verkeerde klant"})
    invoicing.issue(ctx, credit.pk, issue_date=date(2026, 11, 21))
    issued.refresh_from_db()
    assert credit.tax_inclusive == issued.tax_inclusive
    assert (issued.settlement, issued.amount_open) == ("credited", D("0.00"))
    assert_books_agree(ctx)


def test_credit_after_write_off_leaves_a_credit_balance_for_the_customer(ctx, issued):
    invoicing.write_off(ctx, issued.pk, "oninbaar")
    credit = invoicing.create_credit_note(ctx, issued.pk, {"amount": "100.00", "vat_category": "S", "vat_rate": "21"})
    credit = invoicing.issue(ctx, credit.pk, issue_date=date(2026, 11, 21))
    assert credit.amount_open == D("121.00")
    assert receivables_balance(ctx) == D("-121.00")
    assert_books_agree(ctx)


def test_amount_credit_needs_a_rate_of_the_invoice(ctx, issued):
    with pytest.raises(ValidationFailed) as failed:
        invoicing.create_credit_note(ctx, issued.pk, {"amount": "10.00", "vat_category": "S", "vat_rate": "6"})
    assert failed.value.errors[0].path == "vat_rate"


def test_approval_is_required_where_the_administration_wants_it(be_ctx):
    from facturo.catalog.services import create_item
    from facturo.parties.services import create_customer

    customer = create_customer(
        be_ctx, {"name": "Stad Gent", "country": "BE", "category": "government", "email": "facturen@gent.example"}
    )
    create_item(be_ctx, {"code": "BEW", "names": {"nl": "Bewaking"}, "unit": "HUR", "default_price": "38.60"})
    create_charges(
        be_ctx,
        [
            {
                "reference": "g1",
                "customer": customer.number,
                "item": "BEW",
                "quantity": "8",
                "service_date": "2026-11-02",
            }
        ],
        source_kind="import",
    )
    invoicing.draft_from_charges(be_ctx)
    draft = Invoice.objects.get(administration=be_ctx.administration)
    with pytest.raises(Conflict, match="needs approval"):
        invoicing.issue(be_ctx, draft.pk)
    invoicing.approve(be_ctx, [draft.pk])
    issued = invoicing.issue(be_ctx, draft.pk, issue_date=date(2026, 11, 20))
    assert issued.payment_reference.startswith("+++") and issued.payment_reference.endswith("+++")
    assert issued.tax_inclusive == D("373.65")  # 308.80 + 21 %
    assert issued.buyer_snapshot["name"] == "Stad Gent"
