"""Reconciling by hand: searching open items across the administration, filtering the lines
to reconcile, and the ranked suggestions for a line with only an amount (never booked)."""

from datetime import date
from decimal import Decimal

import pytest

from facturo.errors import ValidationFailed
from facturo.invoicing import services as invoicing
from facturo.parties.services import create_customer
from facturo.payments import search, suggestions
from facturo.payments import services as payments
from facturo.payments.models import LineState, StatementLine

from .conftest import PAYER_IBAN, line

D = Decimal


@pytest.fixture
def other_customer(ctx):
    return create_customer(
        ctx, {"name": "Bakkerij Jansen B.V.", "country": "NL", "payment_terms_days": 14, "language": "nl"}
    )


@pytest.fixture
def issue_for(ctx, item):
    def issue(customer, quantity="2", on=date(2026, 11, 2)):
        draft = invoicing.create_draft(
            ctx,
            {
                "customer_id": customer.pk,
                "lines": [{"item": "ONDH", "quantity": quantity, "service_date": "2026-11-02"}],
            },
        )
        return invoicing.issue(ctx, draft.pk, issue_date=on)

    return issue


def find(ctx, **fields):
    return [i.number for i in search.search_open_items(ctx, search.read_open_item_query(fields))]


def test_open_items_are_found_by_number_start_customer_reference_and_amount(ctx, customer, other_customer, issue_for):
    linde = issue_for(customer, "2")  # 2 × 65 + 21 % = 157.30
    jansen = issue_for(other_customer, "3")  # 235.95
    assert find(ctx, q=linde.number[:6]) == [jansen.number, linde.number]  # the earliest due first
    assert find(ctx, q=linde.number) == [linde.number]
    assert find(ctx, q="jansen") == [jansen.number]
    assert find(ctx, q=other_customer.number) == [jansen.number]
    assert find(ctx, q="235,95") == find(ctx, q="235.95") == [jansen.number]
    assert find(ctx, amount="157.30") == [linde.number]
    assert find(ctx, q=linde.number[:4], customer="linde") == [linde.number]
    if linde.payment_reference:
        spaced = " ".join(linde.payment_reference[i : i + 4] for i in range(0, len(linde.payment_reference), 4))
        assert find(ctx, q=spaced) == [linde.number]
    assert find(ctx) == []


def test_paid_items_are_not_open_items(ctx, customer, issue_for, bank, statement_file):
    invoice = issue_for(customer)
    payments.import_statement(ctx, statement_file(line(str(invoice.amount_open), remittance=invoice.number)))
    assert find(ctx, q=invoice.number) == []


def test_a_bad_search_names_its_field():
    with pytest.raises(ValidationFailed) as failed:
        search.read_open_item_query({"amount": "12,34,5", "currency": "euro"})
    assert {e.path for e in failed.value.errors} == {"amount", "currency"}


def test_lines_to_reconcile_filter_by_date_amount_counterparty_and_text(ctx, bank, statement_file):
    payments.import_statement(
        ctx,
        statement_file(
            line("121.00", counterparty_name="De Linde", counterparty_iban=PAYER_IBAN, remittance="voorschot"),
            line("-12.50", counterparty_name="ING", remittance="kosten", booking_date=date(2026, 11, 2)),
            line("80.00", counterparty_name="Jansen", remittance="factuur nov"),
        ),
    )

    def remittances(**fields):
        return [x.remittance for x in search.filter_open_lines(ctx, search.read_line_filter(fields))]

    assert remittances() == ["kosten", "voorschot", "factuur nov"]
    assert remittances(date_to="2026-11-10") == ["kosten"]
    assert remittances(date_from="2026-11-10", date_to="2026-11-30") == ["voorschot", "factuur nov"]
    assert remittances(amount="12.50") == ["kosten"]
    assert remittances(counterparty="linde") == ["voorschot"]
    assert remittances(counterparty="NL91 ABNA 0417") == ["voorschot"]
    assert remittances(text="FACTUUR") == ["factuur nov"]
    with pytest.raises(ValidationFailed) as failed:
        search.read_line_filter({"date_from": "2026-11-30", "date_to": "2026-11-01", "amount": "x"})
    assert {e.path for e in failed.value.errors} == {"date_to", "amount"}


def test_a_line_with_only_an_amount_gets_ranked_suggestions_and_is_not_booked(
    ctx, customer, other_customer, issue_for, bank, statement_file
):
    linde = issue_for(customer, "2")
    jansen = issue_for(other_customer, "2")  # the same amount, another customer
    assert linde.amount_open == jansen.amount_open
    result = payments.import_statement(
        ctx,
        statement_file(
            line(str(linde.amount_open), counterparty_name="WONINGCORP DE LINDE", counterparty_iban="BE68539007547034")
        ),
    )
    assert result.automatic == 0
    stored = StatementLine.objects.get(administration=ctx.administration)
    assert stored.state == LineState.UNMATCHED
    found = suggestions.suggestions(ctx, stored.pk)
    assert [s["allocations"][0]["invoice_id"] for s in found] == [linde.pk, jansen.pk]
    assert all(s["ranked"] and s["score"] < 90 for s in found)
    assert [e["rule"] for e in found[0]["evidence"]][:2] == ["amount", "name"]
    assert found[0]["score"] > found[1]["score"]
    stored.refresh_from_db()
    assert stored.state == LineState.UNMATCHED


def test_the_matchers_own_proposal_comes_first_and_is_not_repeated(
    ctx, customer, other_customer, issue_for, bank, statement_file
):
    linde = issue_for(customer, "2")
    issue_for(other_customer, "3")
    payments.import_statement(ctx, statement_file(line(str(linde.amount_open), counterparty_name="unknown")))
    stored = StatementLine.objects.get(administration=ctx.administration)
    found = suggestions.suggestions(ctx, stored.pk)
    assert not found[0].get("ranked") and found[0]["allocations"][0]["invoice_id"] == linde.pk
    assert [s["allocations"][0]["invoice_id"] for s in found].count(linde.pk) == 1


def test_the_listed_suggestions_are_those_of_the_whole_index(
    ctx, bank, customer, other_customer, issue_for, statement_file
):
    """The lists propose from the open items a page of lines can reach; every kind of line gets
    what the matcher proposes against all open items."""
    from facturo.core.matching import MatchSettings, propose

    invoices = [issue_for(customer, q) for q in ("1", "2", "2", "5")] + [issue_for(other_customer, "3")]
    payments.learn_iban(ctx, other_customer.pk, PAYER_IBAN)
    first, twin, jansen = invoices[0], invoices[1], invoices[4]
    spaced = " ".join(first.payment_reference[i : i + 4] for i in range(0, len(first.payment_reference), 4))
    data = statement_file(
        line(str(first.amount_open), structured_reference=first.payment_reference, remittance="structured"),
        line(str(first.amount_open - 1), remittance=f"ref {spaced} part"),
        line(str(invoices[3].amount_open), remittance=f"factuur {invoices[3].number.lower()}"),
        line(str(twin.amount_open), remittance="one of two of this amount"),
        line("50.00", counterparty_iban=PAYER_IBAN, remittance="on account"),
        line(str(jansen.amount_open - 2), counterparty_iban=PAYER_IBAN),
        line("1.23", remittance="nothing fits"),
        line(str(-first.amount_open), remittance="money out"),
    )
    payments.import_statement(ctx, data, settings=MatchSettings(auto_threshold=101))  # books nothing
    lines = payments.open_lines(ctx)
    assert len(lines) == 8
    whole, _ = payments._load_index(ctx, {"EUR"})
    expected = {
        line.pk: [payments._suggestion_json(p, whole) for p in propose(payments._bank_line(line), whole)]
        for line in lines
    }
    assert payments.current_suggestions(ctx, lines) == expected
    proposed = {
        line.remittance.split()[0] if line.remittance else "": [a["number"] for a in found[0]["allocations"]]
        for line in lines
        if (found := expected[line.pk])
    }
    assert proposed == {
        "": [jansen.number],  # the known account, near the amount
        "ref": [first.number],
        "factuur": [invoices[3].number],
        "structured": [first.number],
    }
