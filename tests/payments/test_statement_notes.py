"""Import warnings are stored as a code with parameters and read in the reader's language."""

from decimal import Decimal

from django.urls import reverse
from django.utils import translation

from facturo.payments import services as payments
from facturo.payments.models import BankStatement

from .conftest import line


def test_an_opening_balance_warning_is_worded_for_each_reader(ctx, bank, statement_file):
    with translation.override("en"):
        result = payments.import_statement(ctx, statement_file(line("10.00"), opening=Decimal("250.00")))
    assert len(result.warnings) == 1 and "differs from the ledger balance" in result.warnings[0]
    statement = BankStatement.objects.get()
    assert statement.warnings == ""
    assert statement.notes == [{"code": "opening_differs", "params": {
        "number": 1, "sequence": "1", "opening": "250.00", "balance": "0.00", "account": bank.ledger_account.code}}]
    with translation.override("nl"):
        [text] = statement.warning_texts()
        assert "wijkt af van het grootboeksaldo" in text and "250.00" in text
    with translation.override("fr"):
        assert "diffère du solde comptable" in statement.warning_texts()[0]
    with translation.override("pl"):
        assert "różni się od salda księgowego" in statement.warning_texts()[0]


def test_the_bank_page_shows_the_warning_in_the_users_language(ctx, client, owner, bank, statement_file):
    payments.import_statement(ctx, statement_file(line("10.00"), opening=Decimal("250.00")))
    client.force_login(owner)
    body = client.get(reverse("web:bank"), headers={"accept-language": "pl"}).content.decode()
    assert "różni się od salda księgowego" in body
