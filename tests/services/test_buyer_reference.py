"""A customer's standing buyer reference goes on every invoice drafted for it."""

from facturo.charges.services import create_charges
from facturo.invoicing import services as invoicing
from facturo.parties.services import update_customer


def _charge(ctx, customer, reference):
    create_charges(
        ctx,
        [{"reference": reference, "customer": customer.number, "item": "ONDH", "quantity": "1",
          "service_date": "2026-11-02"}],
        source_kind="import",
    )


def test_drafts_from_charges_carry_the_customers_buyer_reference(ctx, customer, item):
    update_customer(ctx, customer.pk, {"buyer_reference": "PO-4500187321"})
    _charge(ctx, customer, "r1")
    invoicing.draft_from_charges(ctx)
    assert invoicing.invoices(ctx, status="draft").get().buyer_reference == "PO-4500187321"


def test_a_manual_invoice_keeps_its_own_reference_over_the_customers(ctx, customer, item):
    update_customer(ctx, customer.pk, {"buyer_reference": "PO-standing"})
    line = {"item": "ONDH", "quantity": "1", "service_date": "2026-11-02"}
    standing = invoicing.create_draft(ctx, {"customer_id": customer.pk, "lines": [line]})
    own = invoicing.create_draft(
        ctx, {"customer_id": customer.pk, "buyer_reference": "PO-this-job", "lines": [line]}
    )
    assert (standing.buyer_reference, own.buyer_reference) == ("PO-standing", "PO-this-job")
