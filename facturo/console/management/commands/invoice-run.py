"""facturo invoice-run: turn open charges into draft invoices."""

from typing import Any

from django.core.management.base import CommandParser

from facturo.charges.models import ChargeState
from facturo.charges.services import charges
from facturo.console.base import ServiceCommand, parse_date
from facturo.invoicing.services import Grouping, draft_from_charges


class Command(ServiceCommand):
    help = "Draft invoices from the open charges, grouped by a rule; prints how many were made."

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grouping",
            choices=[g.value for g in Grouping],
            default=Grouping.PER_CUSTOMER.value,
            help="one invoice per customer (default), contract, site, or customer and month",
        )
        parser.add_argument(
            "--up-to",
            type=parse_date,
            metavar="YYYY-MM-DD",
            help="take only charges whose service date or period start is on or before this day",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        # Customers with open charges: the unit the run reports progress in (an upper bound
        # when --up-to leaves some out).
        customers = charges(ctx, state=ChargeState.OPEN).order_by().values("customer_id").distinct().count()
        with self.progress(customers, "drafting", options, unit="customers") as step:
            result = draft_from_charges(ctx, Grouping(options["grouping"]), up_to=options["up_to"], progress=step)
        if result.invoices:
            self.ok(
                f"{ctx.administration.code}: {result.invoices} draft invoice(s) made from "
                f"{result.charges} charge(s) ({options['grouping']})"
            )
        else:
            self.stdout.write(f"{ctx.administration.code}: no open charges to invoice")
