"""Contract card flows in a real browser: a termination inside an invoiced quarter, corrected
by the next run's preview and approval; renewing; settling an advance contract."""

from datetime import date

import pytest
from playwright.sync_api import expect

from facturo.contracts import services as contracts
from tests.contracts.conftest import monthly, run, setup_administration

pytestmark = pytest.mark.browser


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_termination_in_an_invoiced_quarter_is_credited_by_the_next_run(page, login, ctx, immediate_tasks):
    customers = setup_administration(ctx)
    data = monthly(customers[0], number="Q-1", end_date="2026-12-31")
    data["lines"][0].update({"unit_price": "900.00", "frequency": "quarterly"})
    contract = contracts.create_contract(ctx, data)
    run(ctx, date(2026, 1, 1))  # Q1 invoiced in advance
    login("owner", "owner-pass-123")

    page.goto(f"/contracts/{contract.pk}/")
    page.click("text=Renew")
    page.fill("[data-testid=renew-form] #id_months", "12")
    page.click("[data-testid=renew-form] button[type=submit]")
    expect(page.locator("[data-testid=annex-timeline]")).to_contain_text("Renewed by agreement for 12 months")
    expect(page.locator("[data-testid=annex-timeline]")).to_contain_text("v2")

    page.click("summary:has-text('Terminate')")
    page.fill("[data-testid=terminate-form] #id_termination_date", "2026-02-14")
    page.fill("[data-testid=terminate-form] #id_reason", "moved out")
    page.click("[data-testid=terminate-form] button[type=submit]")
    expect(page.locator("[data-testid=pending-corrections]")).to_contain_text("Terminated on 2026-02-14")

    page.goto("/billing/")
    page.fill("#id_run_date", "2026-02-01")
    page.click("[data-testid=start-run] button[type=submit]")
    corrections = page.locator("[data-testid=preview-corrections]")
    expect(corrections).to_contain_text("-450.00")
    expect(corrections).to_contain_text("credit note")
    page.click("[data-testid=approve-run]")
    expect(page.locator("[data-testid=completeness]")).to_be_visible()

    page.goto(f"/contracts/{contract.pk}/")
    table = page.locator("[data-testid=corrections] table")
    expect(table).to_contain_text("credit note")
    expect(table).to_contain_text("450.00")
    expect(page.locator("[data-testid=pending-corrections]")).to_have_count(0)


def test_settle_an_advance_contract_from_its_card(page, login, ctx):
    customers = setup_administration(ctx)
    data = monthly(customers[0], number="A-1", type="advance")
    data["lines"] = [{"description": "Service charge advance", "unit_price": "100.00", "vat_category": "S"}]
    contract = contracts.create_contract(ctx, data)
    run(ctx, date(2026, 3, 1))  # January to March advances: 300.00
    login("owner", "owner-pass-123")

    page.goto(f"/contracts/{contract.pk}/")
    page.click("[data-testid=settle-link]")
    form = page.locator("[data-testid=settlement-form]")
    form.locator("#id_period_start").fill("2026-01-01")
    form.locator("#id_period_end").fill("2025-12-31")
    form.locator("#id_actual").fill("lots")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=settlement-form]")).to_contain_text("is before period_start")
    expect(page.locator("[data-testid=settlement-form]")).to_contain_text("'lots' is not a number")

    form = page.locator("[data-testid=settlement-form]")
    form.locator("#id_period_end").fill("2026-03-31")
    form.locator("#id_actual").fill("345.50")
    form.locator("button[type=submit]").click()
    preview = page.locator("[data-testid=settlement-preview]")
    expect(preview.locator("[data-testid=settlement-difference]")).to_contain_text("45.50")
    expect(preview.locator("[data-testid=settlement-outcome]")).to_contain_text("settlement invoice")
    preview.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=settlements]")).to_contain_text("45.50")
    expect(page.locator("[data-testid=settlements]")).not_to_contain_text("Not settled yet.")
