"""Contracts, usage and a billing run through the API; the run's chunks go through the task
queue and a `db_worker` takes them."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from facturo.invoicing.models import Invoice
from tests.api.conftest import fields
from tests.contracts.conftest import setup_administration


@pytest.fixture(autouse=True, scope="module")
def vat_tables_after_module(django_db_setup, django_db_blocker):
    """The transactional test's flush empties the VAT reference tables; put them back."""
    yield
    from facturo.catalog.reference import ensure_vat_tables

    with django_db_blocker.unblock():
        ensure_vat_tables()


CONTRACT = {
    "number": "M-1",
    "type": "monitoring",
    "start_date": "2026-11-01",
    "sites": ["S00"],
    "lines": [{"item": "MON", "unit_price": "40.00", "site": "S00"}],
    "usage_rates": [{"kind": "callout", "rate": "65.00"}],
}


@pytest.mark.django_db(transaction=True)
def test_contract_usage_and_a_run_through_the_queue(ctx, api):
    """Transactional: the worker closes its connections when done, as in production."""
    customers = setup_administration(ctx)
    base = f"/administrations/{ctx.administration.code}"
    created = api.post(f"{base}/contracts", {**CONTRACT, "customer": customers[0].number})
    assert created.status_code == 201, created.json()
    contract = created.json()
    assert contract["lines"][0]["terms"][0]["unit_price"] == "40.0000" and contract["sites"] == ["S00"]

    bad = api.post(
        f"{base}/contracts/{contract['id']}/annexes",
        {"effective_from": "2026-01-01", "description": "x", "changes": [{"line": 1, "unit_price": "50"}]},
    )
    assert bad.status_code == 422
    assert "before the contract start" in fields(bad)["body.effective_from"]
    annex = api.post(
        f"{base}/contracts/{contract['id']}/annexes",
        {"effective_from": "2026-12-01", "description": "price", "changes": [{"line": 1, "unit_price": "50"}]},
    )
    assert annex.status_code == 201 and annex.json()["version"] == 2

    rows = [
        {"reference": "u1", "site": "S00", "kind": "callout", "date": "2026-11-03", "quantity": "1"},
        {"reference": "u2", "site": "S99", "kind": "callout", "date": "2026-11-03", "quantity": "1"},
    ]
    refused = api.post(f"{base}/usage", {"rows": rows})
    assert refused.status_code == 422
    assert fields(refused) == {"body.rows[1].site": "no site 'S99' in this administration"}
    assert api.post(f"{base}/usage", {"rows": rows[:1]}).json() == {"created": 1, "already_present": []}

    run = api.post(f"{base}/billing-runs", {"run_date": "2026-11-30"}).json()
    assert run["state"] == "preview" and run["preview"]["total"] == "105.00"
    approved = api.post(f"{base}/billing-runs/{run['id']}/approve").json()
    assert approved["state"] == "running" and DBTaskResult.objects.count() == approved["chunks_total"] == 1
    call_command("db_worker", "--batch", "--no-startup-delay")
    done = api.get(f"{base}/billing-runs/{run['id']}").json()
    assert (done["state"], done["invoices"], done["charges"]) == ("done", 1, 2)
    assert Invoice.objects.get(state="issued").tax_exclusive == 105
    report = api.get(f"{base}/billing-runs/{run['id']}/completeness").json()
    assert report["invoiced_periods"] == 1


def test_text_with_a_nul_character_is_a_field_error_not_a_server_error(ctx, api):
    setup_administration(ctx)
    base = f"/administrations/{ctx.administration.code}"
    response = api.post(
        f"{base}/contracts",
        {"type": "monitoring", "start_date": "2026-11-01", "customer": "x\u0000", "sites": ["S\u00000"], "lines": []},
    )
    assert response.status_code == 422
    # Refused where the text enters, before any service: each field is named by its JSON place.
    nul = "contains a NUL character"
    assert fields(response) == {"body.customer": nul, "body.sites[0]": nul}
    usage = api.post(
        f"{base}/usage", {"rows": [{"reference": "r", "site": "\u0000", "kind": "callout", "date": "2026-11-01"}]}
    )
    assert usage.status_code == 422 and "body.rows[0].site" in fields(usage)


def test_settling_an_advance_contract_without_lines_is_a_field_error_naming_it(ctx, api):
    from facturo.contracts import services as contracts
    from facturo.contracts.models import ContractLine

    customers = setup_administration(ctx)
    lines = [{"description": "Advance", "unit_price": "100.00", "vat_category": "S"}]
    contract = contracts.create_contract(
        ctx, {**CONTRACT, "number": "A-9", "type": "advance", "customer": customers[0].number, "lines": lines}
    )
    ContractLine.objects.filter(contract=contract).delete()  # as data loaded around the services can be
    base = f"/administrations/{ctx.administration.code}/contracts/{contract.pk}"
    body = {"period_start": "2026-11-01", "period_end": "2026-12-31", "actual": "0.00"}
    for path in ("settlement-preview", "settlements"):
        response = api.post(f"{base}/{path}", body)
        assert response.status_code == 422
        assert fields(response) == {"body.contract": "A-9 has no lines, so no advances to settle: add one by annex"}
