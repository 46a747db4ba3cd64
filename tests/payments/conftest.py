"""Payments fixtures: a bank account, issued invoices and camt.053 files written for the test."""

from datetime import date
from decimal import Decimal

import pytest

from facturo.formats import camt053
from facturo.formats.statement import Balance, Statement, StatementLine
from facturo.invoicing import services as invoicing
from facturo.payments import services as payments

BANK_IBAN = "NL69INGB0123456789"
PAYER_IBAN = "NL91ABNA0417164300"


@pytest.fixture
def bank(ctx):
    return payments.create_bank_account(
        ctx, {"name": "ING zakelijk", "iban": "NL69 INGB 0123 4567 89", "bic": "INGBNL2A"}
    )


@pytest.fixture
def issue_invoice(ctx, customer, item):
    def issue(quantity: str = "4", on: date = date(2026, 11, 2)):
        draft = invoicing.create_draft(
            ctx,
            {
                "customer_id": customer.pk,
                "lines": [{"item": "ONDH", "quantity": quantity, "service_date": "2026-11-02"}],
            },
        )
        return invoicing.issue(ctx, draft.pk, issue_date=on)

    return issue


class StatementFile:
    """Consecutive statements of the bank account, as camt.053 bytes."""

    def __init__(self, iban: str = BANK_IBAN) -> None:
        self.iban = iban
        self.number = 0
        self.balance = Decimal("0.00")
        self.day = date(2026, 11, 20)

    def __call__(self, *lines: StatementLine, opening: Decimal | None = None) -> bytes:
        self.number += 1
        start = self.balance if opening is None else opening
        total = sum((line.amount for line in lines), Decimal(0))
        self.balance = start + total
        statement = Statement(
            self.iban,
            "EUR",
            f"STMT-{self.number}",
            str(self.number),
            Balance(start, self.day),
            Balance(self.balance, self.day),
            tuple(lines),
        )
        return camt053.write(statement)


def line(amount: str, **fields) -> StatementLine:
    fields.setdefault("booking_date", date(2026, 11, 20))
    return StatementLine(amount=Decimal(amount), **fields)


@pytest.fixture
def statement_file():
    return StatementFile()
