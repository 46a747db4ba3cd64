"""Statement import, automatic and manual matching, differences, credit, returns and undo,
with the books checked after every step (invariant 5, bank balance = statement balance)."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from facturo.errors import Conflict, ValidationFailed
from facturo.invoicing import services as invoicing
from facturo.invoicing.models import Invoice
from facturo.ledger.models import JournalEntry, JournalLine
from facturo.ledger.services import receivables_balance, trial_balance
from facturo.payments import services as payments
from facturo.payments.models import BankStatement, LineState, StatementLine

from .conftest import PAYER_IBAN, line

D = Decimal


def assert_books_agree(ctx, bank=None) -> None:
    for entry in JournalEntry.objects.filter(administration=ctx.administration):
        sums = entry.lines.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert sums["d"] == sums["c"], entry.description
    open_items = sum(r.open_amount for r in invoicing.receivables_per_customer(ctx))
    assert receivables_balance(ctx) == open_items
    assert sum(r.balance for r in trial_balance(ctx)) == 0
    for invoice in Invoice.objects.filter(administration=ctx.administration, state="issued"):
        ledger = JournalLine.objects.filter(invoice=invoice, account__role="receivables").aggregate(
            d=Sum("debit"), c=Sum("credit")
        )
        assert (ledger["d"] or 0) - (ledger["c"] or 0) == invoicing.signed_open_amount(invoice), invoice.number
    if bank is not None:
        last = BankStatement.objects.filter(bank_account=bank).order_by("-id").first()
        if last is not None:
            assert payments.ledger_balance(bank) == last.closing_balance


def refresh(invoice):
    return Invoice.objects.get(pk=invoice.pk)


def test_a_statement_pays_invoices_by_reference_and_by_number_and_leaves_the_rest_in_suspense(
    ctx, bank, issue_invoice, statement_file
):
    first, second, third = issue_invoice("4"), issue_invoice("2"), issue_invoice("1")
    data = statement_file(
        line(str(first.amount_open), structured_reference=first.payment_reference, counterparty_iban=PAYER_IBAN),
        line(str(second.amount_open), remittance=f"factuur {second.number}"),
        line("12.34", remittance="onbekend"),
        line("-5.00", remittance="bankkosten"),
    )
    result = payments.import_statement(ctx, data, file_name="ing.xml")
    assert (result.lines, result.automatic, result.unmatched) == (4, 2, 2)
    assert refresh(first).settlement == "paid" and refresh(second).settlement == "paid"
    assert refresh(third).settlement == "open"
    auto = StatementLine.objects.get(position=1).reconciliations.get()
    assert auto.automatic and auto.evidence[0]["rule"] == "reference" and auto.score == 100
    assert_books_agree(ctx, bank)


def test_the_same_statement_twice_books_nothing_twice(ctx, bank, issue_invoice, statement_file):
    invoice = issue_invoice()
    data = statement_file(line(str(invoice.amount_open), structured_reference=invoice.payment_reference))
    payments.import_statement(ctx, data)
    entries = JournalEntry.objects.count()
    with pytest.raises(Conflict, match="already imported"):
        payments.import_statement(ctx, data)
    assert JournalEntry.objects.count() == entries and refresh(invoice).amount_paid == invoice.tax_inclusive
    assert_books_agree(ctx, bank)


def test_unknown_account_gap_in_sequence_and_bad_balances_are_refused_and_nothing_is_booked(ctx, bank, statement_file):
    from .conftest import StatementFile

    with pytest.raises(ValidationFailed, match="NL20INGB0001234567 is not a bank account"):
        payments.import_statement(ctx, StatementFile("NL20INGB0001234567")(line("1.00")))
    payments.import_statement(ctx, statement_file(line("10.00")))
    statement_file.number += 1  # statement 2 goes missing
    with pytest.raises(ValidationFailed, match="out of sequence.*the next is 2"):
        payments.import_statement(ctx, statement_file(line("1.00")))
    statement_file.number -= 2
    with pytest.raises(ValidationFailed, match="differs from the closing balance 10.00"):
        payments.import_statement(ctx, statement_file(line("1.00"), opening=D("99.00")))
    assert BankStatement.objects.count() == 1 and StatementLine.objects.count() == 1
    assert_books_agree(ctx, bank)


def test_a_broken_file_names_the_place_and_books_nothing(ctx, bank, statement_file):
    data = statement_file(line("10.00"), line("5.00"))
    with pytest.raises(ValidationFailed) as error:
        payments.import_statement(ctx, data[: len(data) // 2], file_name="half.xml")
    assert "half.xml line" in str(error.value)
    assert not BankStatement.objects.exists() and not JournalEntry.objects.filter(source_kind="bank_line").exists()


def test_clerk_splits_one_payment_over_invoices_books_discount_and_can_undo(ctx, bank, issue_invoice, statement_file):
    a, b, c = issue_invoice("4"), issue_invoice("2"), issue_invoice("1")
    paid = a.amount_open + b.amount_open + c.amount_open - D("10.00")
    payments.import_statement(ctx, statement_file(line(str(paid), remittance="zie specificatie")))
    pending = payments.open_lines(ctx)[0]
    with pytest.raises(ValidationFailed, match="book it as discount"):
        payments.match_line(ctx, pending.pk, [{"invoice_id": i.pk, "amount": str(i.amount_open)} for i in (a, b, c)])
    before = {i.pk: refresh(i).amount_open for i in (a, b, c)}
    trial_before = {(r.code, r.balance) for r in trial_balance(ctx) if r.balance}
    rec = payments.match_line(
        ctx, pending.pk, [{"invoice_id": i.pk, "amount": str(i.amount_open)} for i in (a, b, c)], "discount"
    )
    assert rec.difference == D("-10.00") and all(refresh(i).settlement == "paid" for i in (a, b, c))
    assert_books_agree(ctx, bank)
    payments.undo(ctx, rec.pk)
    assert {i.pk: refresh(i).amount_open for i in (a, b, c)} == before
    assert {(r.code, r.balance) for r in trial_balance(ctx) if r.balance} == trial_before
    assert StatementLine.objects.get(pk=pending.pk).state == LineState.UNMATCHED
    with pytest.raises(Conflict):
        payments.undo(ctx, rec.pk)
    assert_books_agree(ctx, bank)


def test_partial_payments_overpayment_on_account_and_credit_used_later(
    ctx, bank, customer, issue_invoice, statement_file
):
    first, later = issue_invoice("4"), issue_invoice("1")
    half = (first.amount_open / 2).quantize(D("0.01"))
    payments.import_statement(
        ctx,
        statement_file(
            line(str(half), structured_reference=first.payment_reference),
            line(str(first.amount_open - half + D("50.00")), structured_reference=first.payment_reference),
        ),
    )
    assert refresh(first).settlement == "paid"
    assert payments.customer_credit(ctx, customer.pk) == D("50.00")
    assert_books_agree(ctx, bank)
    payments.apply_credit(ctx, customer.pk, later.pk, "50.00")
    assert refresh(later).settlement == "partially_paid" and payments.customer_credit(ctx, customer.pk) == 0
    assert_books_agree(ctx, bank)


def test_unknown_payment_on_account_learns_the_iban_which_then_matches_by_amount(
    ctx, bank, customer, issue_invoice, statement_file
):
    payments.import_statement(ctx, statement_file(line("75.00", counterparty_iban=PAYER_IBAN)))
    rec = payments.put_on_account(ctx, payments.open_lines(ctx)[0].pk, customer.pk)
    assert payments.customer_credit(ctx, customer.pk) == D("75.00") and rec.kind == "on_account"
    invoice = issue_invoice("3")
    result = payments.import_statement(
        ctx, statement_file(line(str(invoice.amount_open), counterparty_iban=PAYER_IBAN))
    )
    assert result.automatic == 1 and refresh(invoice).settlement == "paid"
    assert_books_agree(ctx, bank)


def test_book_a_line_to_an_account(ctx, bank, statement_file):
    payments.import_statement(ctx, statement_file(line("-7.50", remittance="kosten")))
    rec = payments.book_to_account(ctx, payments.open_lines(ctx)[0].pk, "4600")
    assert rec.kind == "account" and not payments.open_lines(ctx)
    assert_books_agree(ctx, bank)


def test_a_refund_settles_a_credit_note(ctx, bank, issue_invoice, statement_file):
    invoice = issue_invoice("2")
    payments.import_statement(ctx, statement_file(line(str(invoice.amount_open), remittance=invoice.number)))
    note = invoicing.create_credit_note(ctx, invoice.pk, {"full": True})
    note = invoicing.issue(ctx, note.pk)
    assert note.amount_open == note.tax_inclusive
    payments.import_statement(ctx, statement_file(line(str(-note.amount_open), remittance=f"refund {note.number}")))
    assert refresh(note).settlement == "paid"
    assert_books_agree(ctx, bank)


def test_a_returned_direct_debit_reopens_the_invoice_with_the_reason(ctx, bank, issue_invoice, statement_file):
    invoice = issue_invoice("2")
    payments.import_statement(ctx, statement_file(line(str(invoice.amount_open), remittance=invoice.number)))
    assert refresh(invoice).settlement == "paid"
    returned = line(
        str(-invoice.amount_open), is_return=True, return_reason="AM04", end_to_end_id=f"DD-{invoice.number}"
    )
    result = payments.import_statement(ctx, statement_file(returned))
    assert result.returns == 1 and refresh(invoice).settlement == "open"
    (item,) = payments.returned_payments(ctx)
    assert item.invoice_id == invoice.pk and item.reason_code == "AM04"
    assert_books_agree(ctx, bank)


def test_an_auditor_cannot_book(ctx, bank, make_user, statement_file, nl_admin):
    from facturo.administrations.access import context_for
    from facturo.errors import AccessDenied

    auditor = make_user("audrey", nl_admin, "auditor", ctx)
    with pytest.raises(AccessDenied):
        payments.import_statement(context_for(auditor, nl_admin), statement_file(line("1.00")))


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_property_a_match_and_its_undo_leave_the_ledger_as_before(ctx, bank, issue_invoice, statement_file, data):
    invoices = [issue_invoice(str(data.draw(st.integers(1, 9)))) for _ in range(data.draw(st.integers(1, 3)))]
    shares = [data.draw(st.decimals(D("0.01"), i.amount_open, places=2)) for i in invoices]
    surplus = data.draw(st.sampled_from([D("0"), D("0"), D("3.00"), D("-2.00")]))
    amount = sum(shares) + surplus
    if amount <= 0:
        return
    payments.import_statement(ctx, statement_file(line(str(amount), remittance="betaling")))
    pending = payments.open_lines(ctx)[-1]
    trial = {(r.code, r.balance) for r in trial_balance(ctx) if r.balance}
    opens = {i.pk: refresh(i).amount_open for i in invoices}
    kind = {D("0"): "", D("3.00"): "on_account", D("-2.00"): "bank_costs"}[surplus]
    rec = payments.match_line(
        ctx, pending.pk, [{"invoice_id": i.pk, "amount": str(s)} for i, s in zip(invoices, shares, strict=True)], kind
    )
    assert_books_agree(ctx, bank)
    payments.undo(ctx, rec.pk)
    assert {(r.code, r.balance) for r in trial_balance(ctx) if r.balance} == trial
    assert {i.pk: refresh(i).amount_open for i in invoices} == opens
    assert_books_agree(ctx, bank)


def test_customer_credit_is_refunded_by_a_payment_out_and_not_beyond_it(ctx, bank, customer, statement_file):
    payments.import_statement(ctx, statement_file(line("60.00", remittance="vooruit"), line("-80.00"), line("-60.00")))
    first, too_much, refund = payments.open_lines(ctx)
    payments.put_on_account(ctx, first.pk, customer.pk)
    with pytest.raises(ValidationFailed, match="more than the customer's credit 60.00"):
        payments.put_on_account(ctx, too_much.pk, customer.pk)
    payments.put_on_account(ctx, refund.pk, customer.pk)
    assert payments.customer_credit(ctx, customer.pk) == 0
    assert_books_agree(ctx, bank)


def test_a_euro_account_of_a_polish_administration_pays_its_euro_invoices_only(owner, statement_file):
    from datetime import date as day

    from facturo.administrations.access import context_for
    from facturo.administrations.services import create_administration
    from facturo.catalog.services import create_item
    from facturo.invoicing import exchange
    from facturo.parties.services import create_customer
    from tests.conftest import ADMINISTRATIONS

    from .conftest import StatementFile

    pl = context_for(owner, create_administration(owner, ADMINISTRATIONS["pl"]))
    create_item(pl, {"code": "SERW", "names": {"pl": "Serwis"}, "unit": "HUR", "default_price": "100.00"})
    eur_account = payments.create_bank_account(pl, {"iban": "DE89370400440532013000", "currency": "EUR"})
    with pytest.raises(ValidationFailed, match="not an asset account that can hold a bank"):
        payments.create_bank_account(pl, {"iban": "PL61109010140000071219812874", "ledger_account": "200"})
    # A Polish administration's euro invoice carries its VAT in złoty too: it needs a rate.
    exchange.set_rate(pl, {"currency": "EUR", "date": "2026-11-02", "rate": "4.2512"})
    documents = []
    for currency in ("EUR", "PLN"):
        buyer = create_customer(pl, {"name": f"Klient {currency}", "country": "DE", "currency": currency})
        draft = invoicing.create_draft(
            pl, {"customer_id": buyer.pk, "lines": [{"item": "SERW", "quantity": "1", "service_date": "2026-11-02"}]}
        )
        documents.append(invoicing.issue(pl, draft.pk, issue_date=day(2026, 11, 3)))
    eur, pln = documents
    assert (eur.currency, pln.currency) == ("EUR", "PLN")
    result = payments.import_statement(
        pl, StatementFile(eur_account.iban)(line(str(eur.amount_open), remittance=f"{eur.number} {pln.number}"))
    )
    assert result.automatic == 1 and Invoice.objects.get(pk=eur.pk).settlement == "paid"
    assert Invoice.objects.get(pk=pln.pk).settlement == "open"


def test_the_iban_of_a_payment_by_reference_is_learned_and_then_pays_by_amount(
    ctx, bank, issue_invoice, statement_file
):
    first, second = issue_invoice("4"), issue_invoice("3")
    payments.import_statement(
        ctx,
        statement_file(
            line(str(first.amount_open), structured_reference=first.payment_reference, counterparty_iban=PAYER_IBAN)
        ),
    )
    assert payments.known_ibans(ctx) == {PAYER_IBAN: first.customer_id}
    result = payments.import_statement(ctx, statement_file(line(str(second.amount_open), counterparty_iban=PAYER_IBAN)))
    assert result.automatic == 1 and refresh(second).settlement == "paid"
    rec = StatementLine.objects.order_by("-id").first().reconciliations.get()
    assert [e["rule"] for e in rec.evidence] == ["iban", "amount"]


def test_an_amount_with_fractions_of_a_cent_is_refused_by_line(ctx, bank):
    from pathlib import Path

    sample = Path(__file__).parent.parent / "formats" / "samples" / "camt053_v02_ing.xml"
    data = sample.read_bytes().replace(b">31.90<", b">31.905<")
    with pytest.raises(ValidationFailed, match="line 2: amount -31.905 has fractions of a cent"):
        payments.import_statement(ctx, data)
    assert not BankStatement.objects.exists()
