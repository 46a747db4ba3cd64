"""A contract's payment terms and delivery channel reach the invoices the billing run issues:
the due date counts the contract's days from the issue date and the outbox sends the invoice
through the contract's channel, while the customer's own terms stay 30 days by e-mail."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, transaction
from hypothesis import given
from hypothesis import strategies as st

from facturo.billing.settlement import settle
from facturo.contracts import services as contracts
from facturo.documents import services as documents
from facturo.documents.models import SendingState
from facturo.invoicing import services as invoicing
from facturo.invoicing.drafting import source_overrides
from facturo.invoicing.models import Invoice

from .conftest import monthly, run

RUN_DATE = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def document_dirs(settings, tmp_path):
    settings.FACTURO_FILES_DIR = str(tmp_path / "files")
    settings.FACTURO_OUTBOX_DIR = str(tmp_path / "outbox")


def issued_for(ctx, customer):
    return list(Invoice.objects.filter(administration=ctx.administration, customer=customer, state="issued"))


def test_contract_terms_and_print_channel_reach_the_issued_invoice_and_the_print_batch(ctx, customers):
    ours, plain = customers
    assert (ours.payment_terms_days, ours.delivery_channel) == (30, "email") and ours.email
    contracts.create_contract(
        ctx, monthly(ours, start_date="2026-11-01", payment_terms_days=14, delivery_channel="print")
    )
    contracts.create_contract(ctx, monthly(plain, number="C-2", site="S10", start_date="2026-11-01"))
    done = run(ctx, RUN_DATE)
    assert done.invoices == 2

    [invoice] = issued_for(ctx, ours)
    assert invoice.issue_date == RUN_DATE
    assert invoice.due_date == RUN_DATE + timedelta(days=14) == date(2026, 11, 15)
    assert (invoice.payment_terms_days, invoice.delivery_channel, invoice.contract_reference) == (14, "print", "C-1")
    [other] = issued_for(ctx, plain)
    assert other.due_date == RUN_DATE + timedelta(days=30)
    assert (other.payment_terms_days, other.delivery_channel) == (None, "")

    assert documents.plan(invoice) == [("print", ours.name)]
    assert [c for c, _ in documents.plan(other)] == ["email"]
    sendings = {s.invoice_id: s for s in documents.schedule(ctx, [invoice.pk, other.pk])}
    assert (sendings[invoice.pk].channel, sendings[other.pk].channel) == ("print", "email")
    batch = documents.make_print_batch(ctx.administration.pk)
    assert batch is not None and batch.documents == 1
    sendings[invoice.pk].refresh_from_db()
    assert (sendings[invoice.pk].state, sendings[invoice.pk].print_batch_id) == (SendingState.SENT, batch.pk)


def test_an_issued_invoice_keeps_its_terms_whatever_the_contract_says_later(ctx, customers):
    contract = contracts.create_contract(
        ctx, monthly(customers[0], start_date="2026-11-01", payment_terms_days=14, delivery_channel="print")
    )
    run(ctx, RUN_DATE)
    [invoice] = issued_for(ctx, customers[0])
    type(contract).objects.filter(pk=contract.pk).update(payment_terms_days=60, delivery_channel="email")
    invoice.refresh_from_db()
    assert (invoice.due_date, invoice.delivery_channel) == (date(2026, 11, 15), "print")
    for column, value in (("payment_terms_days", 60), ("delivery_channel", "email")):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(**{column: value})


def test_a_credit_note_goes_out_the_way_its_invoice_went(ctx, customers):
    contracts.create_contract(
        ctx, monthly(customers[0], start_date="2026-11-01", payment_terms_days=14, delivery_channel="print")
    )
    run(ctx, RUN_DATE)
    [invoice] = issued_for(ctx, customers[0])
    credit = invoicing.create_credit_note(ctx, invoice.pk, {"reason": "wrong price", "full": True})
    invoicing.issue_invoices(ctx, [credit.pk], issue_date=date(2026, 11, 3))
    credit.refresh_from_db()
    assert (credit.state, credit.payment_terms_days, credit.delivery_channel) == ("issued", 14, "print")
    assert documents.plan(credit)[0][0] == "print"


def test_collective_invoice_takes_the_contracts_terms_only_when_they_agree(ctx, customers):
    """Per-customer grouping: one invoice per customer. Where its contracts agree, their
    terms and channel apply; where they differ, the customer's own terms (or channel) do."""
    mixed, agreeing = customers
    contracts.create_contract(
        ctx, monthly(mixed, number="A-14", start_date="2026-11-01", payment_terms_days=14, delivery_channel="print")
    )
    contracts.create_contract(
        ctx,
        monthly(
            mixed, number="A-7", site="S01", start_date="2026-11-01", payment_terms_days=7, delivery_channel="print"
        ),
    )
    contracts.create_contract(
        ctx, monthly(agreeing, number="B-1", site="S10", start_date="2026-11-01", payment_terms_days=14)
    )
    contracts.create_contract(
        ctx,
        monthly(
            agreeing, number="B-2", site="S11", start_date="2026-11-01", payment_terms_days=14, delivery_channel="print"
        ),
    )
    run(ctx, RUN_DATE)

    [collective] = issued_for(ctx, mixed)
    assert collective.lines.count() == 2 and collective.contract_reference == ""
    # 14 and 7 days disagree: the customer's 30 days; both say print: print.
    assert (collective.payment_terms_days, collective.due_date) == (None, date(2026, 12, 1))
    assert collective.delivery_channel == "print" and documents.plan(collective)[0][0] == "print"

    [other] = issued_for(ctx, agreeing)
    # Both 14 days: 14 days; one says print, the other nothing: the customer's e-mail.
    assert (other.payment_terms_days, other.due_date) == (14, date(2026, 11, 15))
    assert other.delivery_channel == "" and documents.plan(other)[0][0] == "email"


def test_own_invoice_per_contract_gets_each_contracts_terms(ctx, customers):
    customer = customers[0]
    for number, days, site in (("O-14", 14, "S00"), ("O-7", 7, "S01")):
        contracts.create_contract(
            ctx,
            monthly(
                customer, number=number, site=site, start_date="2026-11-01", payment_terms_days=days, grouping="own"
            ),
        )
    run(ctx, RUN_DATE)
    due = {i.contract_reference: i.due_date for i in issued_for(ctx, customer)}
    assert due == {"O-14": date(2026, 11, 15), "O-7": date(2026, 11, 8)}


def test_zero_days_is_an_override_not_the_customers_terms(ctx, customers):
    contracts.create_contract(ctx, monthly(customers[0], start_date="2026-11-01", payment_terms_days=0))
    run(ctx, RUN_DATE)
    [invoice] = issued_for(ctx, customers[0])
    assert invoice.due_date == RUN_DATE


def test_advance_settlement_invoice_follows_the_contract(ctx, customers):
    data = monthly(customers[0], number="A-1", type="advance", start_date="2026-01-01")
    data.update(payment_terms_days=10, delivery_channel="print")
    data["lines"] = [{"description": "Service charge advance", "unit_price": "100.00", "vat_category": "S"}]
    contract = contracts.create_contract(ctx, data)
    run(ctx, date(2026, 3, 1))
    result = settle(
        ctx, contract.pk, date(2026, 1, 1), date(2026, 3, 31), Decimal("345.50"), issue_date=date(2026, 4, 2)
    )
    invoice = Invoice.objects.get(number=result.documents[0])
    assert (invoice.due_date, invoice.delivery_channel) == (date(2026, 4, 12), "print")


def charge(days, channel):
    return SimpleNamespace(payment_terms_days=days, delivery_channel=channel)


@given(
    st.lists(
        st.tuples(st.one_of(st.none(), st.integers(0, 365)), st.sampled_from(["", "email", "print", "peppol"])),
        min_size=1,
        max_size=8,
    )
)
def test_an_override_applies_only_when_every_charge_carries_it(values):
    days, channel = source_overrides([charge(d, c) for d, c in values])
    all_days = {d for d, _ in values}
    all_channels = {c for _, c in values}
    assert days == (next(iter(all_days)) if len(all_days) == 1 else None)
    assert channel == (next(iter(all_channels)) if len(all_channels) == 1 else "")
