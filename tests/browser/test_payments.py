"""The reconciliation flow in a real browser: upload a statement, split a payment over invoices
with a discount, undo it, put another line on a customer's account."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from facturo.formats import camt053
from facturo.formats.statement import Balance, Statement, StatementLine
from facturo.invoicing import services as invoicing
from facturo.payments import services as payments

pytestmark = pytest.mark.browser


@pytest.fixture
def bank_file(ctx, customer, item, tmp_path):
    payments.create_bank_account(ctx, {"iban": "NL69INGB0123456789", "name": "ING"})
    invoices = []
    for quantity in ("2", "3"):
        draft = invoicing.create_draft(
            ctx,
            {
                "customer_id": customer.pk,
                "lines": [{"item": "ONDH", "quantity": quantity, "service_date": "2026-11-02"}],
            },
        )
        invoices.append(invoicing.issue(ctx, draft.pk, issue_date=date(2026, 11, 3)))
    total = sum(i.amount_open for i in invoices) - Decimal("5.00")
    day = date(2026, 11, 20)
    lines = (
        StatementLine(total, day, counterparty_name="De Linde", remittance="facturen november"),
        StatementLine(Decimal("40.00"), day, counterparty_name="De Linde", remittance="voorschot"),
    )
    statement = Statement(
        "NL69INGB0123456789", "EUR", "S-1", "1", Balance(Decimal(0), day), Balance(total + Decimal("40.00"), day), lines
    )
    path = tmp_path / "ing-20261120.xml"
    path.write_bytes(camt053.write(statement))
    return path, invoices


def test_upload_split_with_discount_undo_and_on_account(page, login, nl_admin, bank_file):
    path, invoices = bank_file
    login("owner", "owner-pass-123")
    page.click("nav.mainnav >> text=Bank")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=upload-form] button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("2 lines, 0 booked automatically")
    expect(page.locator("[data-testid=open-lines] tbody tr")).to_have_count(2)

    page.click("[data-testid=open-lines] >> text=facturen november")
    page.fill("#id_q", invoices[0].number[:4])
    page.click("[data-testid=search-form] button")
    for invoice in invoices:
        page.fill(f'[data-testid="amount-{invoice.number}"]', str(invoice.amount_open))
    page.click("[data-testid=book-invoices]")  # the form also has a search button
    expect(page.locator("[data-testid=line-errors]")).to_contain_text("book it as discount")
    for invoice in invoices:
        page.fill(f'[data-testid="amount-{invoice.number}"]', str(invoice.amount_open))
    page.select_option("#id_difference_kind", "discount")
    page.click("[data-testid=book-invoices]")  # the form also has a search button
    expect(page.locator(".message.success")).to_contain_text("booked to the invoices")
    expect(page.locator("[data-testid=line-state]")).to_have_text("Matched")
    expect(page.locator("[data-testid=bookings]")).to_contain_text(invoices[1].number)

    page.click("[data-testid=undo]")
    expect(page.locator(".message.success")).to_contain_text("reversing entry")
    expect(page.locator("[data-testid=line-state]")).to_have_text("Unmatched")

    page.goto("/bank/reconcile/")
    page.click("[data-testid=open-lines] >> text=voorschot")
    page.click("[data-testid=on-account-form] button")
    expect(page.locator(".message.success")).to_contain_text("customer's account")
    assert payments.customer_credit(_ctx(nl_admin), invoices[0].customer_id) == Decimal("40.00")


def _ctx(admin):
    from django.contrib.auth import get_user_model

    from facturo.administrations.access import context_for

    return context_for(get_user_model().objects.get(username="owner"), admin)


def test_collect_direct_debits_from_the_bank_page(page, login, nl_admin, ctx, customer, item):
    from datetime import timedelta

    from django.utils import timezone

    from facturo.payments import direct_debit

    payments.create_bank_account(ctx, {"iban": "NL69INGB0123456789", "creditor_id": "NL98ZZZ999999999999"})
    draft = invoicing.create_draft(
        ctx, {"customer_id": customer.pk, "lines": [{"item": "ONDH", "quantity": "2", "service_date": "2026-11-02"}]}
    )
    invoicing.issue(ctx, draft.pk)
    direct_debit.create_mandate(
        ctx,
        {"customer_id": customer.pk, "reference": "MNDT-9", "signed_on": "2026-01-02", "iban": "NL91ABNA0417164300"},
    )
    login("owner", "owner-pass-123")
    page.goto("/bank/")
    expect(page.locator("[data-testid=mandates]")).to_contain_text("FRST")
    page.fill("#id_collection_date", (timezone.localdate() + timedelta(days=3)).isoformat())
    page.click("[data-testid=collect-form] button")
    expect(page.locator(".message.success")).to_contain_text("1 direct debits")
    expect(page.locator("[data-testid=mandates]")).to_contain_text("RCUR")
    with page.expect_download() as download:
        page.click("[data-testid=collections] >> text=pain.008")
    assert b"pain.008.001.08" in Path(download.value.path()).read_bytes()
