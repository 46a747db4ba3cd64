"""A customer's credit on account: its ledger postings, and using it on several open invoices
at once, all or nothing, with errors that name the invoice's field."""

from decimal import Decimal

import pytest

from facturo.errors import AccessDenied, ValidationFailed
from facturo.invoicing.models import Invoice
from facturo.payments import credit
from facturo.payments import services as payments

from .conftest import PAYER_IBAN, line
from .test_import_and_matching import assert_books_agree

D = Decimal


@pytest.fixture
def credit_of_100(ctx, bank, customer, statement_file):
    payments.import_statement(ctx, statement_file(line("100.00", counterparty_iban=PAYER_IBAN, remittance="voorschot")))
    (waiting,) = payments.open_lines(ctx)
    payments.put_on_account(ctx, waiting.pk, customer.pk)
    return customer


def test_the_overview_shows_the_credit_its_postings_and_an_oldest_first_proposal(ctx, credit_of_100, issue_invoice):
    first, second = issue_invoice("1"), issue_invoice("2")  # 78.65 and 157.30 open
    overview = credit.credit_overview(ctx, credit_of_100.pk)
    assert overview.credit == D("100.00")
    assert [(p.added, p.used, p.balance) for p in overview.postings] == [(D("100.00"), D(0), D("100.00"))]
    assert overview.proposal == {first.pk: D("78.65"), second.pk: D("21.35")}


def test_credit_is_used_on_several_invoices_in_one_go(ctx, bank, credit_of_100, issue_invoice):
    first, second = issue_invoice("1"), issue_invoice("2")
    left = credit.apply_credit_to(
        ctx,
        credit_of_100.pk,
        [{"invoice_id": first.pk, "amount": "78.65"}, {"invoice_id": second.pk, "amount": "20.00"}],
    )
    assert left == D("1.35")
    assert Invoice.objects.get(pk=first.pk).settlement == "paid"
    assert Invoice.objects.get(pk=second.pk).amount_open == D("137.30")
    postings = credit.credit_postings(ctx, credit_of_100.pk)
    assert [p.balance for p in postings] == [D("100.00"), D("21.35"), D("1.35")]
    assert_books_agree(ctx, bank)


def test_a_bad_allocation_books_nothing_and_names_its_place(ctx, credit_of_100, issue_invoice):
    first, second = issue_invoice("1"), issue_invoice("2")
    with pytest.raises(ValidationFailed) as failed:
        credit.apply_credit_to(
            ctx,
            credit_of_100.pk,
            [{"invoice_id": first.pk, "amount": "78.65"}, {"invoice_id": second.pk, "amount": "50.00"}],
        )
    assert [e.path for e in failed.value.errors] == ["allocations.1.amount"]
    assert payments.customer_credit(ctx, credit_of_100.pk) == D("100.00")
    assert Invoice.objects.get(pk=first.pk).amount_open == D("78.65")
    with pytest.raises(ValidationFailed) as failed:
        credit.apply_credit_to(ctx, credit_of_100.pk, [{"invoice_id": first.pk, "amount": "1"}] * 2)
    assert failed.value.errors[0].path == "allocations.1.invoice_id"
    with pytest.raises(ValidationFailed) as failed:
        credit.apply_credit_to(ctx, credit_of_100.pk, [])
    assert failed.value.errors[0].path == "allocations"


def test_an_auditor_sees_the_credit_but_cannot_use_it(ctx, credit_of_100, issue_invoice, make_user):
    from facturo.administrations.access import context_for
    from facturo.administrations.models import Role

    invoice = issue_invoice("1")
    auditor = make_user("audrey", ctx.administration, Role.AUDITOR, ctx)
    actx = context_for(auditor, ctx.administration)
    assert credit.credit_overview(actx, credit_of_100.pk).credit == D("100.00")
    assert not credit.can_book_payments(actx) and credit.can_book_payments(ctx)
    with pytest.raises(AccessDenied):
        credit.apply_credit_to(actx, credit_of_100.pk, [{"invoice_id": invoice.pk, "amount": "10.00"}])
