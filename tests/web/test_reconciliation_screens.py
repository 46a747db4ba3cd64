"""The reconciliation screens without a browser: the line filter and the open-item search name
a bad field, the notification upload reports like the statement upload, the credit screen books
for a clerk and only shows for an auditor."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from facturo.formats import camt053
from facturo.formats.statement import Balance, Statement, StatementLine
from facturo.payments import services as payments
from facturo.payments.models import Reconciliation


@pytest.fixture
def waiting(ctx, issued):
    payments.create_bank_account(ctx, {"iban": "NL69INGB0123456789"})
    day = date(2026, 11, 20)
    lines = (StatementLine(Decimal("60.00"), day, counterparty_name="De Linde", remittance="voorschot"),)
    statement = Statement(
        "NL69INGB0123456789", "EUR", "S-1", "1", Balance(Decimal(0), day), Balance(Decimal("60.00"), day), lines
    )
    payments.import_statement(ctx, camt053.write(statement))
    return payments.open_lines(ctx)[0]


def test_the_line_filter_names_a_bad_field_and_keeps_the_list(client_owner, waiting):
    page = client_owner.get("/bank/reconcile/", {"amount": "sixty", "counterparty": "linde"})
    assert page.status_code == 400
    body = page.content.decode()
    assert 'data-field="amount"' in body and "voorschot" in body
    assert "voorschot" in client_owner.get("/bank/reconcile/", {"text": "VOORSCHOT"}).content.decode()
    assert "voorschot" not in client_owner.get("/bank/reconcile/", {"date_to": "2026-11-01"}).content.decode()


def test_searching_from_the_booking_form_keeps_the_amounts_typed(client_owner, waiting, issued):
    url = f"/bank/lines/{waiting.pk}/match/"
    page = client_owner.post(url, {"intent": "search", "q": issued.number[:4], f"amount_{issued.pk}": "60.00"})
    assert page.status_code == 200
    body = page.content.decode()
    assert f'name="amount_{issued.pk}" value="60.00"' in body
    bad = client_owner.post(url, {"intent": "search", "amount": "1,2,3"})
    assert bad.status_code == 400 and 'data-field="amount"' in bad.content.decode()


def test_the_notification_upload_reports_its_errors_and_books_nothing(client_owner, waiting):
    missing = client_owner.post("/bank/notifications/", {})
    assert missing.status_code == 400 and "Choose a notification file" in missing.content.decode()
    wrong = client_owner.post("/bank/notifications/", {"notification": SimpleUploadedFile("n.xml", b"<x/>")})
    assert wrong.status_code == 400 and "Nothing was imported" in wrong.content.decode()


def test_the_credit_screen_uses_credit_for_a_clerk_and_only_shows_it_to_an_auditor(
    client_owner, ctx, waiting, issued, make_user
):
    from django.test import Client

    from facturo.administrations.models import Role

    payments.put_on_account(ctx, waiting.pk, issued.customer_id)
    url = f"/bank/customers/{issued.customer_id}/credit/"
    page = client_owner.get(url).content.decode()
    assert 'data-testid="apply-form"' in page and f'name="amount_{issued.pk}" value="60.00"' in page
    too_much = client_owner.post(url + "apply/", {f"amount_{issued.pk}": "70.00"})
    assert too_much.status_code == 400 and "at most the credit" in too_much.content.decode()
    done = client_owner.post(url + "apply/", {f"amount_{issued.pk}": "60.00"})
    assert done.status_code == 302 and payments.customer_credit(ctx, issued.customer_id) == 0
    auditor = Client()
    auditor.force_login(make_user("audrey", ctx.administration, Role.AUDITOR, ctx))
    shown = auditor.get(url)
    assert shown.status_code == 200 and f'name="amount_{issued.pk}"' not in shown.content.decode()
    assert auditor.post(url + "apply/", {f"amount_{issued.pk}": "1.00"}).status_code == 403
    assert (
        auditor.post("/bank/notifications/", {"notification": SimpleUploadedFile("n.xml", b"<x/>")}).status_code == 403
    )


def best_suggestions(client) -> dict[str, str]:
    """Per line of the reconciliation list (by its description), the best suggestion's cell."""
    body = client.get("/bank/reconcile/").content.decode()
    rows = body.split('<table class="list" data-testid="open-lines">')[1].split("</tbody>")[0].split("<tr>")[2:]
    cells = {}
    for row in rows:
        description = row.split('data-testid="best-suggestion">')[0]
        name = next(word for word in ("reference", "amount only") if word in description)
        cells[name] = row.split('data-testid="best-suggestion">')[1].split("</td>")[0]
    return cells


def test_the_best_suggestion_is_the_current_one_also_for_lines_reopened_by_an_undo(client_owner, ctx, issued):
    payments.create_bank_account(ctx, {"iban": "NL69INGB0123456789"})
    day = date(2026, 11, 21)
    amount = issued.amount_open
    lines = (
        # Booked at import by the reference; the second finds the invoice paid by then.
        StatementLine(amount, day, structured_reference=issued.payment_reference, remittance="by reference"),
        StatementLine(amount, day, counterparty_name="Someone", remittance="amount only"),
    )
    statement = Statement(
        "NL69INGB0123456789", "EUR", "S-2", "2", Balance(Decimal(0), day), Balance(2 * amount, day), lines
    )
    result = payments.import_statement(ctx, camt053.write(statement))
    assert (result.automatic, payments.open_line_count(ctx)) == (1, 1)
    assert best_suggestions(client_owner) == {"amount only": ""}

    payments.undo(ctx, Reconciliation.objects.get(line__remittance="by reference").pk)

    shown = best_suggestions(client_owner)
    assert issued.number in shown["reference"] and "(100)" in shown["reference"]
    assert issued.number in shown["amount only"]
    # Booked again by hand: the invoice is paid, the other line has no suggestion any more.
    line = payments.open_lines_query(ctx).get(remittance="by reference")
    payments.match_line(ctx, line.pk, [{"invoice_id": issued.pk, "amount": str(amount)}])
    assert best_suggestions(client_owner) == {"amount only": ""}
