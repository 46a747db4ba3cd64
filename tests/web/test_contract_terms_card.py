"""The contract card shows the payment terms and delivery channel its invoices get."""

from datetime import date

from facturo.contracts import services as contracts
from facturo.invoicing.models import Invoice
from tests.contracts.conftest import monthly, run, setup_administration


def test_card_shows_the_override_and_the_invoice_is_due_by_it(client_owner, ctx):
    customers = setup_administration(ctx)
    contract = contracts.create_contract(
        ctx,
        monthly(customers[0], number="T-14", start_date="2026-11-01", payment_terms_days=14, delivery_channel="print"),
    )
    run(ctx, date(2026, 11, 1))
    invoice = Invoice.objects.get(state="issued")
    page = client_owner.get(f"/contracts/{contract.pk}/").content.decode()
    assert "Payment terms (days)" in page and "<dd>14</dd>" in page
    assert "Delivery channel" in page and "<dd>print</dd>" in page
    assert invoice.number in page
    assert invoice.due_date == date(2026, 11, 15)
