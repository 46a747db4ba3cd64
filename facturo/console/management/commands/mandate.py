"""facturo mandate CUSTOMER REFERENCE --signed DATE --iban IBAN [--scheme B2B] [--one-off]."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from facturo.console.base import ServiceCommand, parse_date
from facturo.parties.models import Customer
from facturo.payments import direct_debit


class Command(ServiceCommand):
    help = "Register a customer's SEPA direct-debit mandate."

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer", metavar="CUSTOMER", help="customer number")
        parser.add_argument("reference", metavar="REFERENCE", help="mandate reference")
        parser.add_argument("--signed", type=parse_date, required=True)
        parser.add_argument("--iban", required=True)
        parser.add_argument("--bic", default="")
        parser.add_argument("--scheme", choices=["CORE", "B2B"], default="CORE")
        parser.add_argument("--one-off", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        customer = Customer.objects.filter(administration=ctx.administration, number=options["customer"]).first()
        if customer is None:
            raise CommandError(f"not found: customer {options['customer']}")
        mandate = direct_debit.create_mandate(
            ctx,
            {
                "customer_id": customer.pk,
                "reference": options["reference"],
                "signed_on": options["signed"],
                "iban": options["iban"],
                "bic": options["bic"],
                "scheme": options["scheme"],
                "one_off": options["one_off"],
            },
        )
        self.ok(f"{ctx.administration.code}: mandate {mandate.reference} of {customer.number} ({mandate.scheme})")
