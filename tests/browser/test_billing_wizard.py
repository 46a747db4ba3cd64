"""The billing-run wizard and the contract card in a real browser."""

import pytest
from playwright.sync_api import expect

from facturo.contracts import services as contracts
from tests.contracts.conftest import monthly, setup_administration

pytestmark = pytest.mark.browser


@pytest.fixture
def immediate_tasks(settings):
    """No worker process in a browser test: the task backend runs chunks as they are queued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_contract_card_and_billing_wizard(page, login, ctx, immediate_tasks):
    customers = setup_administration(ctx)
    contract = contracts.create_contract(ctx, monthly(customers[0], number="M-1", start_date="2026-10-01"))
    contracts.create_contract(ctx, monthly(customers[1], number="M-2", site="S10", start_date="2027-01-01"))
    login("owner", "owner-pass-123")

    page.click("nav.mainnav >> text=Contracts")
    expect(page.locator("[data-testid=contracts] tbody tr")).to_have_count(2)
    page.click("text=M-1")
    page.click("text=Record an annex")
    page.fill("[data-testid=annex-form] #id_effective_from", "2026-11-15")
    page.fill("[data-testid=annex-form] #id_description", "New price from the 15th")
    page.fill("[data-testid=annex-form] #id_line", "1")
    page.fill("[data-testid=annex-form] #id_unit_price", "60.00")
    page.fill("[data-testid=annex-form] #id_site", "S01")
    page.click("[data-testid=annex-form] button[type=submit]")
    expect(page.locator("[data-testid=annex-timeline]")).to_contain_text("v2")
    expect(page.locator("[data-testid=contract-sites]")).to_contain_text("S01")

    page.click("nav.mainnav >> text=Contracts")
    page.click("text=Billing runs")
    page.fill("#id_run_date", "2026-11-01")
    page.click("[data-testid=start-run] button[type=submit]")
    # Preview: October caught up and November, the not-yet-started contract listed with its reason.
    expect(page.locator("[data-testid=preview-total]")).to_have_text("90.67")  # 40 + 40 × 14/30 + 60 × 16/30
    expect(page.locator("[data-testid=caught-up] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=not-billed]")).to_contain_text("Every active contract is billed")
    page.click("[data-testid=approve-run]")
    expect(page.locator("[data-testid=completeness]")).to_contain_text(
        "2 periods invoiced (1 caught up), 0 skipped, 0 still due"
    )
    page.click("text=Issued invoices")
    expect(page.locator("table.list tbody tr")).to_have_count(1)

    page.goto(f"/contracts/{contract.pk}/")
    expect(page.locator("[data-testid=contract-invoices] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=contract-invoices]")).to_contain_text("v1, v2")
    expect(page.locator("[data-testid=billed-periods]")).to_contain_text("caught up")


def test_usage_import_reports_errors_then_imports(page, login, ctx, tmp_path):
    customers = setup_administration(ctx)
    contracts.create_contract(
        ctx,
        {
            **monthly(customers[0], number="G-1", start_date="2026-10-01"),
            "usage_rates": [{"kind": "callout", "rate": "65"}],
        },
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("reference,site,kind,date,quantity\nc1,S00,callout,2026-10-02,1\nc2,NOPE,callout,2026-10-02,1\n")
    good = tmp_path / "good.csv"
    good.write_text("reference,site,kind,date,quantity\nc1,S00,callout,2026-10-02,1\n")
    login("owner", "owner-pass-123")
    page.click("nav.mainnav >> text=Contracts")
    page.select_option("#id_type", "monitoring")
    page.click("[data-testid=contract-filters] button[type=submit]")
    expect(page.locator("[data-testid=contracts] tbody tr")).to_have_count(1)
    page.click("text=Import usage")
    page.set_input_files("#id_file", str(bad))
    page.click("form.card button[type=submit]")
    expect(page.locator("[data-testid=import-errors]")).to_contain_text("row 3, column site")
    expect(page.locator("[data-testid=usage] tbody tr")).to_have_text(["No usage yet."])
    page.set_input_files("#id_file", str(good))
    page.click("form.card button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("1 usage records imported")
    expect(page.locator("[data-testid=usage] tbody tr")).to_have_count(1)
