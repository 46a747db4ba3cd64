"""The API of reconciling by hand: searching open items, filtering lines, ranked suggestions,
and a customer's credit on account used on several invoices."""

from datetime import date

import pytest

from facturo.administrations.models import Role
from facturo.formats import camt053
from facturo.formats.statement import Balance, Statement, StatementLine
from facturo.invoicing import services as invoicing
from facturo.payments import services as payments


@pytest.fixture
def invoices(ctx, customer, item):
    issued = []
    for quantity in ("1", "2"):  # 78.65 and 157.30
        draft = invoicing.create_draft(
            ctx,
            {
                "customer_id": customer.pk,
                "lines": [{"item": "ONDH", "quantity": quantity, "service_date": "2026-11-02"}],
            },
        )
        issued.append(invoicing.issue(ctx, draft.pk, issue_date=date(2026, 11, 3)))
    return issued


@pytest.fixture
def waiting_lines(ctx, invoices):
    payments.create_bank_account(ctx, {"iban": "NL69INGB0123456789"})
    day = date(2026, 11, 20)
    lines = (
        StatementLine(invoices[0].amount_open, day, counterparty_name="Woningcorporatie De Linde"),
        StatementLine(invoices[0].amount_open - 100, day, counterparty_name="Onbekend", remittance="voorschot"),
    )
    total = sum(x.amount for x in lines)
    statement = Statement("NL69INGB0123456789", "EUR", "S-1", "1", Balance(0, day), Balance(total, day), lines)
    payments.import_statement(ctx, camt053.write(statement))
    return payments.open_lines(ctx)


def test_search_open_items_and_name_the_bad_parameter(api, ctx, invoices, customer):
    admin = ctx.administration.code
    found = api.get(f"/administrations/{admin}/open-items", {"q": "linde"}).json()["items"]
    assert [i["number"] for i in found] == [i.number for i in invoices]
    assert found[0]["customer_number"] == customer.number and found[0]["amount_open"] == "78.65"
    by_amount = api.get(f"/administrations/{admin}/open-items", {"amount": "157.30"}).json()["items"]
    assert [i["id"] for i in by_amount] == [invoices[1].pk]
    bad = api.get(f"/administrations/{admin}/open-items", {"amount": "lots"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["path"] == "query.amount"


def test_filter_lines_and_read_ranked_suggestions(api, ctx, invoices, waiting_lines):
    admin = ctx.administration.code
    assert len(api.get(f"/administrations/{admin}/statement-lines").json()["items"]) == 2
    filtered = api.get(f"/administrations/{admin}/statement-lines", {"text": "voorschot"}).json()["items"]
    assert [x["counterparty_name"] for x in filtered] == ["Onbekend"]
    bad = api.get(f"/administrations/{admin}/statement-lines", {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["path"] == "query.date_to"
    line = next(x for x in waiting_lines if x.counterparty_name.startswith("Woning"))
    found = api.get(f"/administrations/{admin}/statement-lines/{line.pk}/suggestions").json()["items"]
    assert found[0]["allocations"][0]["invoice_id"] == invoices[0].pk and found[0]["score"] < 90
    assert {e["rule"] for e in found[0]["evidence"]} >= {"amount"}


def test_use_credit_on_several_invoices_and_read_its_postings(api, api_for, ctx, invoices, waiting_lines, make_user):
    admin = ctx.administration.code
    incoming = next(x for x in waiting_lines if x.amount > 0)  # 78.65, put on the customer's account
    customer_id = invoices[0].customer_id
    assert (
        api.post(
            f"/administrations/{admin}/statement-lines/{incoming.pk}/on-account", {"customer_id": customer_id}
        ).status_code
        == 201
    )
    body = {
        "allocations": [
            {"invoice_id": invoices[0].pk, "amount": "50.00"},
            {"invoice_id": invoices[1].pk, "amount": "28.65"},
        ]
    }
    used = api.post(f"/administrations/{admin}/customers/{customer_id}/credit/allocations", body)
    assert used.status_code == 200, used.content
    assert used.json()["credit"] == "0.00"
    postings = api.get(f"/administrations/{admin}/customers/{customer_id}/credit/postings").json()
    assert [p["balance"] for p in postings["items"]] == ["78.65", "28.65", "0.00"]
    too_much = api.post(
        f"/administrations/{admin}/customers/{customer_id}/credit/allocations",
        {"allocations": [{"invoice_id": invoices[1].pk, "amount": "1.00"}]},
    )
    assert too_much.status_code == 422 and too_much.json()["error"]["fields"][0]["path"] == "body.allocations[0].amount"
    auditor = make_user("audrey", ctx.administration, Role.AUDITOR, ctx)
    refused = api_for(auditor).post(f"/administrations/{admin}/customers/{customer_id}/credit/allocations", body)
    assert refused.status_code == 403
    assert api_for(auditor).get(f"/administrations/{admin}/customers/{customer_id}/credit/postings").status_code == 200


def test_a_line_reopened_by_an_undo_lists_its_current_suggestions(api, ctx, invoices):
    payments.create_bank_account(ctx, {"iban": "NL69INGB0123456789"})
    day, paid = date(2026, 11, 20), invoices[1]
    line = StatementLine(paid.amount_open, day, structured_reference=paid.payment_reference, remittance="paid")
    statement = Statement("NL69INGB0123456789", "EUR", "S-1", "1", Balance(0, day), Balance(line.amount, day), (line,))
    assert payments.import_statement(ctx, camt053.write(statement)).automatic == 1
    admin = ctx.administration.code
    assert api.get(f"/administrations/{admin}/statement-lines").json()["items"] == []
    (booked,) = payments.reconciliations_for_line(ctx, payments.statements(ctx)[0].lines.get().pk)

    assert api.post(f"/administrations/{admin}/reconciliations/{booked.pk}/undo").status_code == 200

    (listed,) = api.get(f"/administrations/{admin}/statement-lines").json()["items"]
    best = listed["suggestions"][0]
    assert (best["score"], [a["number"] for a in best["allocations"]]) == (100, [paid.number])
