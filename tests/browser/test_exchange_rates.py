"""Entering and importing exchange rates in a real browser, then issuing a dollar invoice."""

import pytest
from playwright.sync_api import expect

from facturo.invoicing.services import create_draft, issue
from facturo.parties.services import create_customer

pytestmark = pytest.mark.browser


def test_enter_a_rate_import_a_file_and_issue_in_dollars(page, login, ctx, item, tmp_path):
    login("owner", "owner-pass-123")
    page.click("nav.mainnav >> text=Exchange rates")
    page.fill("[data-testid=rate-form] #id_currency", "EUR")
    page.fill("[data-testid=rate-form] #id_date", "2026-11-01")
    page.fill("[data-testid=rate-form] #id_rate", "1")
    page.click("[data-testid=rate-form] button[type=submit]")
    expect(page.locator("[data-testid=rate-form]")).to_contain_text("own currency")
    page.fill("[data-testid=rate-form] #id_currency", "USD")
    page.fill("[data-testid=rate-form] #id_rate", "0.9123")
    page.fill("[data-testid=rate-form] #id_source", "ECB")
    page.click("[data-testid=rate-form] button[type=submit]")
    expect(page.locator("[data-testid=rates] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=rates]")).to_contain_text("0.91230000")
    csv = tmp_path / "rates.csv"
    csv.write_text("currency,date,rate\nGBP,2026-11-01,1.1500\n", encoding="utf-8")
    page.set_input_files("#id_file", str(csv))
    page.click("text=Import >> nth=-1")
    expect(page.locator("[data-testid=rates] tbody tr")).to_have_count(2)

    customer = create_customer(ctx, {"name": "Atlantic Inc.", "country": "NL", "currency": "USD"})
    draft = create_draft(ctx, {"customer_id": customer.pk,
                               "lines": [{"item": item.code, "quantity": "2", "service_date": "2026-11-02"}]})
    from datetime import date

    invoice = issue(ctx, draft.pk, issue_date=date(2026, 11, 20))
    assert str(invoice.exchange_rate) == "0.91230000"
