"""Advance contracts: fixed monthly advances, settled against the actual amount."""

from datetime import date
from decimal import Decimal

import pytest

from facturo.billing.models import AdvanceSettlement
from facturo.billing.settlement import preview, settle
from facturo.contracts import services as contracts
from facturo.contracts.models import ContractLine
from facturo.errors import Conflict, ValidationFailed
from facturo.invoicing.models import Invoice

from .conftest import monthly, run


@pytest.fixture
def advance(ctx, customers):
    data = monthly(customers[0], number="A-1", type="advance", start_date="2026-01-01")
    data["lines"] = [{"description": "Service charge advance", "unit_price": "100.00", "vat_category": "S"}]
    contract = contracts.create_contract(ctx, data)
    run(ctx, date(2026, 3, 1))  # January to March advances: 300.00 net
    return contract


def test_a_shortfall_becomes_a_settlement_invoice(ctx, advance):
    result = settle(
        ctx, advance.pk, date(2026, 1, 1), date(2026, 3, 31), Decimal("345.50"), issue_date=date(2026, 4, 2)
    )
    assert (result.settlement.advances, result.settlement.difference) == (Decimal("300.00"), Decimal("45.50"))
    invoice = Invoice.objects.get(number=result.documents[0])
    assert invoice.kind == "invoice" and invoice.tax_exclusive == Decimal("45.50")
    with pytest.raises(Conflict, match="already settled"):
        settle(ctx, advance.pk, date(2026, 1, 1), date(2026, 3, 31), Decimal("345.50"))


def test_an_excess_is_credited_on_the_advance_invoices(ctx, advance):
    result = settle(
        ctx, advance.pk, date(2026, 1, 1), date(2026, 3, 31), Decimal("180.00"), issue_date=date(2026, 4, 2)
    )
    assert result.settlement.difference == Decimal("-120.00")
    credits = Invoice.objects.filter(number__in=result.documents)
    assert {c.kind for c in credits} == {"credit_note"}
    assert sum(c.tax_exclusive for c in credits) == Decimal("120.00")


def test_only_advance_contracts_settle(ctx, customers):
    contract = contracts.create_contract(ctx, monthly(customers[0], start_date="2026-01-01"))
    with pytest.raises(ValidationFailed, match="not an advance contract"):
        settle(ctx, contract.pk, date(2026, 1, 1), date(2026, 3, 31), Decimal("1"))


def test_an_advance_contract_without_lines_is_refused_with_its_number(ctx, customers):
    data = monthly(customers[0], number="A-2", type="advance", start_date="2026-01-01")
    data["lines"] = [{"description": "Service charge advance", "unit_price": "100.00", "vat_category": "S"}]
    contract = contracts.create_contract(ctx, data)
    # The services never leave a contract without lines; data loaded around them can.
    ContractLine.objects.filter(contract=contract).delete()
    for actual in (Decimal("0"), Decimal("120.00")):
        with pytest.raises(ValidationFailed) as refused:
            settle(ctx, contract.pk, date(2026, 1, 1), date(2026, 3, 31), actual)
        (error,) = refused.value.errors
        assert error.path == "contract" and "A-2 has no lines" in error.message
        with pytest.raises(ValidationFailed, match="A-2 has no lines"):
            preview(ctx, contract.pk, date(2026, 1, 1), date(2026, 3, 31), actual)
    assert not AdvanceSettlement.objects.exists()
