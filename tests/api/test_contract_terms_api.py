"""A contract's payment terms and delivery channel through the API: set, shown, applied."""

from datetime import date

from facturo.billing import services as billing
from facturo.invoicing.models import Invoice
from tests.contracts.conftest import setup_administration


def test_the_override_is_shown_and_the_run_applies_it(ctx, api):
    customers = setup_administration(ctx)
    base = f"/administrations/{ctx.administration.code}"
    body = {
        "number": "T-14",
        "customer": customers[0].number,
        "type": "monitoring",
        "start_date": "2026-11-01",
        "payment_terms_days": 14,
        "delivery_channel": "print",
        "lines": [{"item": "MON", "unit_price": "40.00", "site": "S00"}],
    }
    created = api.post(f"{base}/contracts", body)
    assert created.status_code == 201, created.json()
    shown = api.get(f"{base}/contracts/{created.json()['id']}").json()
    assert (shown["payment_terms_days"], shown["delivery_channel"]) == (14, "print")
    plain = api.post(
        f"{base}/contracts", {**body, "number": "T-0", "payment_terms_days": None, "delivery_channel": None}
    )
    assert plain.status_code == 201, plain.json()
    assert (plain.json()["payment_terms_days"], plain.json()["delivery_channel"]) == (None, "")
    bad = api.post(f"{base}/contracts", {**body, "number": "T-X", "payment_terms_days": 400})
    assert bad.status_code == 422 and "payment_terms_days" in str(bad.json())

    started = billing.start_run(ctx, date(2026, 11, 1))
    billing.approve_run(ctx, started.pk, enqueue=False)
    billing.work(started.pk)
    # Both contracts are collective per customer and disagree: one invoice, the customer's 30 days.
    [invoice] = Invoice.objects.filter(state="issued")
    assert invoice.due_date == date(2026, 12, 1)
    listed = api.get(f"{base}/invoices/{invoice.pk}").json()
    assert listed["due_date"] == "2026-12-01"
    assert (listed["payment_terms_days"], listed["payment_terms_from"]) == (30, "customer")


def test_the_invoice_shows_its_own_terms_and_channel(ctx, api, client):
    customers = setup_administration(ctx)
    base = f"/administrations/{ctx.administration.code}"
    body = {
        "number": "T-14",
        "customer": customers[0].number,
        "type": "monitoring",
        "start_date": "2026-11-01",
        "payment_terms_days": 14,
        "delivery_channel": "print",
        "lines": [{"item": "MON", "unit_price": "40.00", "site": "S00"}],
    }
    assert api.post(f"{base}/contracts", body).status_code == 201
    started = billing.start_run(ctx, date(2026, 11, 1))
    billing.approve_run(ctx, started.pk, enqueue=False)
    billing.work(started.pk)
    [invoice] = Invoice.objects.filter(state="issued")
    shown = api.get(f"{base}/invoices/{invoice.pk}").json()
    assert (shown["payment_terms_days"], shown["payment_terms_from"]) == (14, "invoice")
    assert (shown["delivery_channel"], shown["delivery_channel_from"]) == ("print", "invoice")
    assert shown["due_date"] == "2026-11-15"
    client.force_login(ctx.user)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "14 days (contract)" in page and "print (contract)" in page
