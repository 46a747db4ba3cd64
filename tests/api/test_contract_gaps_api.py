"""Over the API: an advance contract's settlement (preview, then the document), a renewal as
a new version, and the corrections of invoiced periods after a termination."""

from datetime import date

from facturo.invoicing.models import Invoice
from tests.contracts.conftest import monthly, run, setup_administration


def test_settle_an_advance_contract_preview_then_credit(ctx, api):
    customers = setup_administration(ctx)
    base = f"/administrations/{ctx.administration.code}"
    data = monthly(customers[0], number="A-1", type="advance")
    data["lines"] = [{"description": "Service charge advance", "unit_price": "100.00", "vat_category": "S"}]
    contract = api.post(f"{base}/contracts", data).json()
    run(ctx, date(2026, 3, 1))  # January to March in one invoice
    url = f"{base}/contracts/{contract['id']}"
    body = {"period_start": "2026-01-01", "period_end": "2026-03-31", "actual": "180.00"}

    bad = api.post(f"{url}/settlement-preview", {**body, "period_end": "2025-12-31"})
    assert bad.status_code == 422 and "period_end" in str(bad.json())
    preview = api.post(f"{url}/settlement-preview", body).json()
    assert (preview["advances"], preview["difference"], preview["outcome"]) == ("300.00", "-120.00", "credit_note")
    assert len(preview["advance_invoices"]) == 1 and preview["settled_before"] is False
    assert not Invoice.objects.filter(kind="credit_note").exists()  # a preview writes nothing

    settled = api.post(f"{url}/settlements", {**body, "issue_date": "2026-04-02"})
    assert settled.status_code == 201, settled.json()
    assert settled.json()["difference"] == "-120.00" and settled.json()["documents"]
    assert api.post(f"{url}/settlements", body).status_code == 409
    assert api.post(f"{url}/settlement-preview", body).json()["settled_before"] is True


def test_renewal_is_a_version_and_a_termination_is_corrected(ctx, api):
    customers = setup_administration(ctx)
    base = f"/administrations/{ctx.administration.code}"
    data = monthly(customers[0], number="R-1", end_date="2026-12-31")
    data["lines"][0].update({"unit_price": "900.00", "frequency": "quarterly"})
    contract = api.post(f"{base}/contracts", data).json()
    url = f"{base}/contracts/{contract['id']}"
    renewed = api.post(f"{url}/renew", {"months": 12}).json()
    assert (renewed["end_date"], renewed["version"]) == ("2027-12-31", 2)
    assert renewed["annexes"][-1]["description"].startswith("Renewed by agreement for 12 months")
    assert api.post(f"{url}/renew", {"months": 0}).status_code == 422

    run(ctx, date(2026, 1, 1))  # Q1 invoiced in advance
    ended = api.post(f"{url}/terminate", {"termination_date": "2026-02-14", "reason": "moved"})
    assert ended.status_code == 200, ended.json()
    pending = api.get(f"{url}/corrections").json()
    assert pending["data"] == [] and pending["pending"][0]["kind"] == "termination"
    run(ctx, date(2026, 2, 1))
    done = api.get(f"{url}/corrections").json()
    assert done["pending"] == []
    [correction] = done["data"]
    # 45 of the quarter's 90 days were served: 450.00 of 900.00 credited.
    assert (correction["billed"], correction["due"], correction["amount"]) == ("900.00", "450.00", "-450.00")
    assert correction["credit_note"] and correction["original_invoice"]
