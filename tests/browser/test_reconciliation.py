"""Reconciling by hand in a real browser: filter the lines, search open items of two customers
and split a payment over them, take over a ranked suggestion, use a customer's credit on
account, read a camt.054 notification, and see the pre-notification on an invoice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from facturo.formats import camt053
from facturo.formats.statement import Balance, Statement, StatementLine
from facturo.invoicing import services as invoicing
from facturo.parties.services import create_customer
from facturo.payments import direct_debit
from facturo.payments import services as payments

pytestmark = pytest.mark.browser

IBAN = "NL69INGB0123456789"
DAY = date(2026, 11, 20)


def issue(ctx, customer, quantity):
    draft = invoicing.create_draft(
        ctx,
        {"customer_id": customer.pk, "lines": [{"item": "ONDH", "quantity": quantity, "service_date": "2026-11-02"}]},
    )
    return invoicing.issue(ctx, draft.pk, issue_date=date(2026, 11, 3))


def statement_file(tmp_path, *lines, number="1"):
    total = sum((x.amount for x in lines), Decimal(0))
    statement = Statement(IBAN, "EUR", f"S-{number}", number, Balance(Decimal(0), DAY), Balance(total, DAY), lines)
    path = tmp_path / f"statement-{number}.xml"
    path.write_bytes(camt053.write(statement))
    return path


@pytest.fixture
def jansen(ctx):
    return create_customer(ctx, {"name": "Bakkerij Jansen B.V.", "country": "NL", "language": "nl"})


def upload(page, path):
    page.goto("/bank/")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=upload-form] button[type=submit]")
    expect(page.locator(".message.success")).to_be_visible()


def test_filter_lines_search_two_customers_and_split_the_payment(page, login, ctx, customer, item, jansen, tmp_path):
    payments.create_bank_account(ctx, {"iban": IBAN})
    linde, bakker = issue(ctx, customer, "1"), issue(ctx, jansen, "2")
    path = statement_file(
        tmp_path,
        StatementLine(linde.amount_open + bakker.amount_open, DAY, counterparty_name="Holding XY", remittance="twee"),
        StatementLine(Decimal("12.00"), DAY, counterparty_name="Iemand", remittance="los"),
    )
    login("owner", "owner-pass-123")
    upload(page, path)
    page.goto("/bank/reconcile/")
    page.fill("#id_counterparty", "holding")
    page.click("[data-testid=line-filter] button")
    expect(page.locator("[data-testid=open-lines] tbody tr")).to_have_count(1)
    page.fill("#id_amount", "abc")
    page.click("[data-testid=line-filter] button")
    expect(page.locator('[data-field="amount"]')).to_contain_text("not a number")

    page.goto("/bank/reconcile/?counterparty=holding")
    page.click("[data-testid=open-lines] >> text=twee")
    page.fill("#id_q", "linde")
    page.click("[data-testid=search-form] button")
    page.fill(f'[data-testid="amount-{linde.number}"]', str(linde.amount_open))
    page.fill("#id_q", "")
    page.fill("#id_search_customer", jansen.number)
    page.click("[data-testid=search-form] button")
    expect(page.locator(f'[data-testid="amount-{linde.number}"]')).to_have_value(str(linde.amount_open))
    page.fill(f'[data-testid="amount-{bakker.number}"]', str(bakker.amount_open))
    page.click("[data-testid=book-invoices]")
    expect(page.locator(".message.success")).to_contain_text("booked to the invoices")
    expect(page.locator("[data-testid=bookings]")).to_contain_text(linde.number)
    expect(page.locator("[data-testid=bookings]")).to_contain_text(bakker.number)


def test_take_over_a_ranked_suggestion_for_a_line_with_only_an_amount(
    page, login, ctx, customer, item, jansen, tmp_path
):
    payments.create_bank_account(ctx, {"iban": IBAN})
    linde, bakker = issue(ctx, customer, "1"), issue(ctx, jansen, "1")  # the same amount
    path = statement_file(
        tmp_path,
        StatementLine(
            linde.amount_open, DAY, counterparty_name="BAKKERIJ JANSEN", counterparty_iban="BE68539007547034"
        ),
    )
    login("owner", "owner-pass-123")
    upload(page, path)
    page.goto("/bank/reconcile/")
    page.click("[data-testid=open-lines] >> text=(no description)")
    first = page.locator("[data-testid=suggestion]").first
    expect(first).to_contain_text(bakker.number)
    expect(first).to_contain_text("resembles the customer")
    expect(page.locator("[data-testid=suggestion]")).to_have_count(2)
    first.locator("[data-testid=take-over]").click()
    expect(page.locator(f'[data-testid="amount-{bakker.number}"]')).to_have_value(str(bakker.amount_open))
    page.click("[data-testid=book-invoices]")
    expect(page.locator("[data-testid=line-state]")).to_have_text("Matched")


def test_use_credit_on_account_from_the_customer_page(page, login, ctx, customer, item, tmp_path):
    payments.create_bank_account(ctx, {"iban": IBAN})
    payments.import_statement(
        ctx, statement_file(tmp_path, StatementLine(Decimal("50.00"), DAY, remittance="voorschot")).read_bytes()
    )
    payments.put_on_account(ctx, payments.open_lines(ctx)[0].pk, customer.pk)
    invoice = issue(ctx, customer, "1")
    login("owner", "owner-pass-123")
    page.goto(f"/customers/{customer.pk}/")
    page.click("[data-testid=credit-link]")
    expect(page.locator("[data-testid=credit]")).to_contain_text("50")
    expect(page.locator(f'[data-testid="use-{invoice.number}"]')).to_have_value("50.00")
    page.fill(f'[data-testid="use-{invoice.number}"]', "80.00")
    page.click("[data-testid=apply-form] button")
    expect(page.locator("[data-testid=credit-errors]")).to_contain_text("at most the credit")
    page.fill(f'[data-testid="use-{invoice.number}"]', "50.00")
    page.click("[data-testid=apply-form] button")
    expect(page.locator(".message.success")).to_contain_text("left on account")
    expect(page.locator("[data-testid=credit-postings] tbody tr")).to_have_count(2)


def test_read_a_camt054_notification_and_see_the_pre_notification(page, login, ctx, customer, item, tmp_path):
    from tests.payments.test_direct_debit import NOTIFICATION

    account = payments.create_bank_account(ctx, {"iban": IBAN, "creditor_id": "NL98ZZZ999999999999"})
    direct_debit.create_mandate(
        ctx, {"customer_id": customer.pk, "reference": "MNDT-7", "signed_on": "2026-01-02", "iban": "BE68539007547034"}
    )
    invoice = issue(ctx, customer, "1")
    direct_debit.create_collection(ctx, account.pk, timezone.localdate() + timedelta(days=3))
    amount = invoice.amount_open
    payments.import_statement(
        ctx, statement_file(tmp_path, StatementLine(amount, DAY, end_to_end_id=f"DD-{invoice.number}")).read_bytes()
    )
    notice = tmp_path / "camt054.xml"
    notice.write_text(NOTIFICATION.format(amount=amount, e2e=f"DD-{invoice.number}"))
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<Document>")
    login("owner", "owner-pass-123")
    page.goto("/bank/")
    page.set_input_files("#id_notification", str(broken))
    page.click("[data-testid=notification-form] button")
    expect(page.locator("[data-testid=bank-errors]")).to_contain_text("broken.xml")
    page.set_input_files("#id_notification", str(notice))
    page.click("[data-testid=notification-form] button")
    expect(page.locator(".message.success")).to_contain_text("1 returned payments booked")
    expect(page.locator("[data-testid=returned-payments]")).to_contain_text(invoice.number)

    page.goto(f"/invoices/{invoice.pk}/")
    expect(page.locator("[data-testid=prenotification]")).to_contain_text("MNDT-7")
    expect(page.locator("[data-testid=prenotification]")).to_contain_text("BE68 **** 7034")


def test_enter_in_the_search_box_searches_and_enter_elsewhere_books_nothing(
    page, login, ctx, customer, item, jansen, tmp_path
):
    payments.create_bank_account(ctx, {"iban": IBAN})
    linde, bakker = issue(ctx, customer, "1"), issue(ctx, jansen, "2")
    path = statement_file(tmp_path, StatementLine(Decimal("5.00"), DAY, counterparty_name="Iemand", remittance="los"))
    login("owner", "owner-pass-123")
    upload(page, path)
    page.goto("/bank/reconcile/")
    page.click("[data-testid=open-lines] >> text=los")

    # Enter in the search box searches, like its button.
    page.fill("#id_q", "linde")
    page.press("#id_q", "Enter")
    expect(page.locator(f'[data-testid="amount-{linde.number}"]')).to_be_visible()
    expect(page.locator("#id_q")).to_have_value("linde")
    # Enter in the other search fields searches too; the amounts typed stay.
    page.fill(f'[data-testid="amount-{linde.number}"]', "5.00")
    page.fill("#id_q", "")
    page.fill("#id_search_customer", jansen.number)
    page.press("#id_search_customer", "Enter")
    expect(page.locator(f'[data-testid="amount-{bakker.number}"]')).to_be_visible()
    expect(page.locator(f'[data-testid="amount-{linde.number}"]')).to_have_value("5.00")

    # Enter in an amount to book neither books nor leaves the page: the button books.
    page.fill(f'[data-testid="amount-{bakker.number}"]', "0.01")
    page.locator(f'[data-testid="amount-{bakker.number}"]').evaluate("e => { e.dataset.stays = 'yes' }")
    page.press(f'[data-testid="amount-{bakker.number}"]', "Enter")
    page.wait_for_timeout(500)
    assert page.locator(f'[data-testid="amount-{bakker.number}"][data-stays=yes]').count() == 1
    expect(page.locator(f'[data-testid="amount-{bakker.number}"]')).to_have_value("0.01")
    expect(page.locator("[data-testid=line-state]")).to_have_text("Unmatched")
    assert payments.open_line_count(ctx) == 1
    page.fill(f'[data-testid="amount-{bakker.number}"]', "")
    page.click("[data-testid=book-invoices]")
    expect(page.locator("[data-testid=line-state]")).to_have_text("Matched")
