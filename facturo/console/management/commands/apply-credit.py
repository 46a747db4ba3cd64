"""facturo apply-credit CUSTOMER INVOICE=AMOUNT...: use a customer's credit on account."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from facturo.console.base import ServiceCommand
from facturo.invoicing.services import find_invoice
from facturo.parties.models import Customer
from facturo.payments import credit


class Command(ServiceCommand):
    help = (
        "Use a customer's credit on account (payments put on account, overpayments) against open invoices, "
        "all or nothing: CUSTOMER is the customer number, each INVOICE=AMOUNT an invoice number and the amount "
        "to use on it. Without arguments after CUSTOMER, shows the credit and its postings."
    )

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer", metavar="CUSTOMER", help="customer number")
        parser.add_argument("allocations", nargs="*", metavar="INVOICE=AMOUNT", help="e.g. 2026-000012=40.00")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        customer = Customer.objects.filter(administration=ctx.administration, number=options["customer"]).first()
        if customer is None:
            raise CommandError(f"no customer {options['customer']!r} in {ctx.administration.code}")
        allocations = []
        for n, pair in enumerate(options["allocations"], 1):
            number, sep, amount = pair.partition("=")
            if not sep or not number or not amount:
                raise CommandError(f"argument {n} ({pair!r}): write INVOICE=AMOUNT, e.g. 2026-000012=40.00")
            allocations.append({"invoice_id": find_invoice(ctx, number).pk, "amount": amount})
        if not allocations:
            overview = credit.credit_overview(ctx, customer.pk)
            for p in overview.postings:
                self.stdout.write(f"{p.date}  {p.description[:50]:50}  +{p.added:>10}  -{p.used:>10}  {p.balance:>10}")
            self.ok(f"{customer.number} {customer.name}: {overview.credit} {customer.currency} on account")
            return
        left = credit.apply_credit_to(ctx, customer.pk, allocations)
        self.ok(f"{customer.number} {customer.name}: credit used on {len(allocations)} invoice(s), {left} left")
