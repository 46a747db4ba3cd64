"""facturo bank-account IBAN: register a bank account of the administration."""

from typing import Any

from django.core.management.base import CommandParser

from facturo.console.base import ServiceCommand
from facturo.payments.services import create_bank_account


class Command(ServiceCommand):
    help = "Register a bank account (IBAN, BIC, currency, ledger account) so its statements can be imported."

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("iban", metavar="IBAN")
        parser.add_argument("--name", default="")
        parser.add_argument("--bic", default="")
        parser.add_argument("--currency", default="")
        parser.add_argument("--ledger-account", default="", help="ledger account code (default: the chart's bank)")
        parser.add_argument("--creditor-id", default="", help="SEPA creditor identifier, to collect direct debits")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        account = create_bank_account(
            ctx,
            {
                "iban": options["iban"],
                "name": options["name"],
                "bic": options["bic"],
                "currency": options["currency"],
                "ledger_account": options["ledger_account"],
                "creditor_id": options["creditor_id"],
            },
        )
        self.ok(
            f"{ctx.administration.code}: bank account {account.iban} on ledger account {account.ledger_account.code}"
        )
