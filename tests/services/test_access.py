"""Invariant 7: a user sees and changes only the administrations granted to them, in the
roles they hold; enforced in services and queries, whatever interface calls them."""

import pytest

from facturo.administrations.access import administrations_for, context_for
from facturo.administrations.models import Role
from facturo.charges.services import create_charges
from facturo.errors import AccessDenied, NotFound
from facturo.invoicing import services as invoicing
from facturo.parties import services as parties


def test_no_membership_no_context(make_user, nl_admin):
    stranger = make_user("stranger")
    with pytest.raises(AccessDenied):
        context_for(stranger, nl_admin)
    assert list(administrations_for(stranger)) == []


def test_records_of_another_administration_are_not_found(ctx, be_ctx, customer):
    with pytest.raises(NotFound):
        parties.get_customer(be_ctx, customer.pk)
    with pytest.raises(NotFound):
        parties.update_customer(be_ctx, customer.pk, {"name": "Overgenomen"})
    assert list(parties.customers(be_ctx)) == []


def test_charges_cannot_point_at_another_administrations_customer(be_ctx, customer):
    from facturo.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="no customer"):
        create_charges(
            be_ctx,
            [
                {
                    "reference": "x",
                    "customer_id": customer.pk,
                    "description": "x",
                    "quantity": "1",
                    "unit_price": "1",
                    "vat_category": "S",
                }
            ],
            source_kind="api",
        )


@pytest.mark.parametrize(
    "role, allowed",
    [(Role.AUDITOR, False), (Role.COLLECTOR, False), (Role.BILLING_CLERK, True), (Role.ADMIN, True)],
)
def test_roles_decide_who_may_issue(ctx, make_user, item, charge_rows, role, allowed):
    user = make_user(f"user-{role}", ctx.administration, role, ctx)
    their_ctx = context_for(user, ctx.administration)
    create_charges(ctx, charge_rows(1), source_kind="import")
    invoicing.draft_from_charges(ctx)
    draft = invoicing.invoices(ctx, status="draft").get()
    if allowed:
        assert invoicing.issue(their_ctx, draft.pk).number
    else:
        with pytest.raises(AccessDenied):
            invoicing.issue(their_ctx, draft.pk)
    assert list(invoicing.invoices(their_ctx)) != []  # every role may look


def test_only_collectors_and_admins_write_off(ctx, make_user, item, charge_rows):
    clerk = context_for(make_user("clerk", ctx.administration, Role.BILLING_CLERK, ctx), ctx.administration)
    collector = context_for(make_user("coll", ctx.administration, Role.COLLECTOR, ctx), ctx.administration)
    create_charges(ctx, charge_rows(1), source_kind="import")
    invoicing.draft_from_charges(ctx)
    issued = invoicing.issue(ctx, invoicing.invoices(ctx, status="draft").get().pk)
    with pytest.raises(AccessDenied):
        invoicing.write_off(clerk, issued.pk, "x")
    assert invoicing.write_off(collector, issued.pk, "uncollectable").settlement == "written_off"
