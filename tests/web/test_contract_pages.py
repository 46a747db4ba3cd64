"""Contract screens, usage import and the billing-run wizard through Django's test client."""

from datetime import date
from decimal import Decimal

from facturo.billing import services as billing
from facturo.billing.models import BillingRun
from facturo.contracts import services as contracts
from facturo.contracts.models import Contract, UsageRecord
from tests.contracts.conftest import monthly, setup_administration


def test_contract_list_filters_card_and_annex(client_owner, ctx):
    customers = setup_administration(ctx)
    contracts.create_contract(ctx, monthly(customers[0], number="M-1", start_date="2026-11-01"))
    contracts.create_contract(ctx, monthly(customers[1], number="R-1", site="S10", type="rent"))
    page = client_owner.get("/contracts/?type=rent").content.decode()
    assert "R-1" in page and "M-1" not in page
    created = client_owner.post(
        "/contracts/new/",
        {
            "customer": customers[0].number,
            "type": "maintenance",
            "start_date": "2026-11-01",
            "item": "MON",
            "quantity": "1",
            "unit_price": "12.00",
            "site": "NOPE",
            "frequency": "quarterly",
            "timing": "advance",
        },
    )
    assert created.status_code == 400 and "no site &#x27;NOPE&#x27;" in created.content.decode()
    created = client_owner.post(
        "/contracts/new/",
        {
            "customer": customers[0].number,
            "type": "maintenance",
            "start_date": "2026-11-01",
            "item": "MON",
            "quantity": "1",
            "unit_price": "12.00",
            "site": "S00",
            "frequency": "quarterly",
            "timing": "advance",
        },
    )
    contract = Contract.objects.get(type__code="maintenance")
    assert created.status_code == 302 and created["Location"] == f"/contracts/{contract.pk}/"
    client_owner.post(
        f"/contracts/{contract.pk}/annex/",
        {"effective_from": "2027-02-01", "description": "raise", "line": "1", "unit_price": "15.00", "site": "S01"},
    )
    card = client_owner.get(f"/contracts/{contract.pk}/").content.decode()
    assert "v2" in card and "raise" in card and "S01" in card


def test_usage_import_reports_rows_and_columns(client_owner, ctx):
    customers = setup_administration(ctx)
    contracts.create_contract(
        ctx, {**monthly(customers[0], start_date="2026-10-01"), "usage_rates": [{"kind": "callout", "rate": "50"}]}
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile(
        "u.csv", b"reference,site,kind,date,quantity\nx,S00,callout,2026-10-02,1\ny,S77,callout,2026-10-02,1\n"
    )
    response = client_owner.post("/usage/import/", {"file": bad})
    assert response.status_code == 400
    assert "row 3, column site" in response.content.decode()
    assert not UsageRecord.objects.exists()


def test_billing_wizard_preview_approve_progress_result(client_owner, ctx, django_capture_on_commit_callbacks):
    customers = setup_administration(ctx)
    contracts.create_contract(ctx, monthly(customers[0], start_date="2026-11-01"))
    contracts.create_contract(ctx, monthly(customers[1], number="C-2", site="S10", start_date="2027-01-01"))
    response = client_owner.post("/billing/start/", {"run_date": "2026-11-01"})
    run = BillingRun.objects.get()
    assert response["Location"] == f"/billing/{run.pk}/"
    preview = client_owner.get(response["Location"]).content.decode()
    assert "40.00" in preview
    with django_capture_on_commit_callbacks(execute=True):
        client_owner.post(f"/billing/{run.pk}/approve/")
    run.refresh_from_db()
    assert run.state == "running"
    billing.work(run.pk)  # what a db_worker does
    partial = client_owner.get(f"/billing/{run.pk}/", headers={"HX-Request": "true", "HX-Target": "run-progress"})
    assert partial["HX-Refresh"] == "true"
    result = client_owner.get(f"/billing/{run.pk}/").content.decode()
    assert "1 periods invoiced" in result
    assert billing.get_run(ctx, run.pk).invoices == 1
    assert date(2026, 11, 1) == run.run_date


def test_index_prices_from_the_contract_card(client_owner, ctx):
    customers = setup_administration(ctx)
    contract = contracts.create_contract(
        ctx, monthly(customers[0], start_date="2025-03-01", indexation="percentage", indexation_percent="3")
    )
    card = client_owner.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-testid="index-form"' in card
    client_owner.post(f"/contracts/{contract.pk}/index/", {"effective_from": "2026-03-01"})
    card = client_owner.get(f"/contracts/{contract.pk}/").content.decode()
    indexed = contract.indexations.get()
    assert (indexed.old_price, indexed.new_price) == (Decimal("40.0000"), Decimal("41.20"))
    assert "Price indexation (3 %)" in card
