"""Acceptance flows in a real browser against the live server."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from facturo.administrations.models import Role
from facturo.charges.services import create_charges
from facturo.invoicing import services as invoicing

pytestmark = pytest.mark.browser


@pytest.fixture
def nl_charges(ctx, customer, item, be_admin):
    create_charges(
        ctx,
        [
            {"reference": "b1", "customer": customer.number, "item": "ONDH", "quantity": "3",
             "service_date": "2026-11-02"},
            {"reference": "b2", "customer": customer.number, "description": "Filter", "quantity": "2",
             "unit_price": "12.50", "vat_category": "S", "vat_rate": "9", "service_date": "2026-11-03"},
        ],
        source_kind="import",
    )


def test_issue_an_invoice_and_credit_it(page, login, nl_admin, nl_charges):
    login("owner", "owner-pass-123")
    # The Belgian administration sorts first; switch to the Dutch one.
    page.select_option("#administration-switcher", label="Van Dijk Installatietechniek B.V.")
    expect(page.locator("main h1")).to_have_text("Van Dijk Installatietechniek B.V.")

    page.click("nav.mainnav >> text=Charges")
    expect(page.locator("[data-testid=charges] tbody tr")).to_have_count(2)
    page.select_option("#id_grouping", "per_customer")
    page.click("[data-testid=draft-form] button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("1 draft invoices made from 2 charges")

    page.click("#invoice-table tbody tr >> a")
    expect(page.locator("[data-testid=invoice-status]")).to_have_text("Draft")
    page.fill("#id_issue_date", "2026-11-20")
    page.click("[data-testid=issue-form] button")
    expect(page.locator("[data-testid=invoice-number]")).to_have_text("2026-000001")
    expect(page.locator("[data-testid=vat-breakdown]")).to_contain_text("21 %")
    expect(page.locator("[data-testid=vat-breakdown]")).to_contain_text("€2.25")
    entry = page.locator("[data-testid=journal-entry]").first
    expect(entry).to_contain_text("€263.20")
    expect(page.locator("[data-testid=amount-open]")).to_have_text("€263.20")

    page.click("text=Create credit note")
    page.check("input[name=mode][value=amount]")
    page.fill("#id_amount", "50.00")
    page.select_option("#id_rate", label="S 21 %")
    page.fill("#id_reason", "Korting na klacht")
    page.click("[data-testid=credit-form] button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Credit note")
    page.fill("#id_issue_date", "2026-11-21")
    page.click("[data-testid=issue-form] button")
    expect(page.locator("[data-testid=invoice-number]")).to_have_text("C2026-000001")

    page.click("nav.mainnav >> text=Receivables")
    expect(page.locator("[data-testid=receivables]")).to_contain_text("Woningcorporatie De Linde")
    expect(page.locator("[data-testid=receivables-total]")).to_have_text("€202.70")


def test_permission_wall(page, login, ctx, nl_charges, be_admin, be_ctx, make_user):
    invoicing.draft_from_charges(ctx)
    invoice = invoicing.invoices(ctx, status="draft").get()
    invoicing.issue(ctx, invoice.pk, issue_date=date(2026, 11, 20))
    make_user("bert", be_admin, Role.BILLING_CLERK, be_ctx)

    login("bert", "bert-pass-123")
    options = page.locator("#administration-switcher option")
    expect(options).to_have_count(1)
    expect(options).to_have_text(["Securitas Vlaanderen BV"])
    expect(page.locator("body")).not_to_contain_text("Van Dijk")

    response = page.goto(f"/invoices/{invoice.pk}/")
    assert response.status == 404
    expect(page.locator("main h1")).to_have_text("Not found")
    response = page.goto(f"/customers/{invoice.customer_id}/")
    assert response.status == 404
    # Forcing the switcher to the Dutch administration is refused.
    status = page.evaluate(
        """async (id) => {
            const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const body = new URLSearchParams({administration: id, csrfmiddlewaretoken: csrf});
            const response = await fetch('/switch/', {method: 'POST', body});
            return response.status;
        }""",
        str(ctx.administration.pk),
    )
    assert status == 403
    assert re.search("Securitas", page.content())
