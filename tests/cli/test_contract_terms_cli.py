"""`facturo contracts show` tells the contract's payment terms and delivery channel."""

from facturo.contracts import services as contracts
from tests.contracts.conftest import monthly, setup_administration


def test_show_names_the_override_or_the_customers_terms(ctx, cli):
    customers = setup_administration(ctx)
    contracts.create_contract(
        ctx, monthly(customers[0], number="T-14", payment_terms_days=14, delivery_channel="print")
    )
    contracts.create_contract(ctx, monthly(customers[1], number="T-0", site="S10"))
    a = ("-a", ctx.administration.code, "-u", "owner")
    assert "payment terms: 14 days, delivery: print" in cli("contracts", "show", "T-14", *a).out
    assert "payment terms: customer's, delivery: customer's" in cli("contracts", "show", "T-0", *a).out
