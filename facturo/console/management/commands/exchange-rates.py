"""facturo exchange-rates set|import|list: the rates foreign-currency invoices are issued with."""

from typing import Any

from django.core.management.base import CommandParser

from facturo.console.base import ServiceCommand, parse_date, read_input
from facturo.invoicing import exchange


class Command(ServiceCommand):
    help = (
        "Exchange rates of the administration: how many units of its currency one unit of another "
        "currency is worth from a day on. Issuing a foreign-currency invoice uses the rate of the issue "
        "date or the last one before it (for the VAT total in the administration's currency, EN 16931 "
        "BT-111) and is refused without one. "
        "set CURRENCY DATE RATE [--source S]; import FILE.csv (columns " + ", ".join(exchange.CSV_COLUMNS)
        + "; all rows or none); list [--currency C]."
    )

    def add_command_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        put = actions.add_parser("set", help="enter the rate of one currency on one day")
        put.add_argument("currency")
        put.add_argument("date", type=parse_date)
        put.add_argument("rate")
        put.add_argument("--source", default="")
        load = actions.add_parser("import", help="import rates from a CSV file")
        load.add_argument("file", metavar="FILE.csv", help="the CSV file, or - for standard input")
        show = actions.add_parser("list", help="list the rates, newest first per currency")
        show.add_argument("--currency", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        action = options["action"]
        if action == "set":
            rate = exchange.set_rate(ctx, {"currency": options["currency"], "date": options["date"],
                                           "rate": options["rate"], "source": options["source"]})
            self.ok(f"{ctx.administration.code}: 1 {rate.currency} = {rate.rate} {ctx.administration.currency} "
                    f"from {rate.rate_date.isoformat()}")
        elif action == "import":
            result = exchange.import_rates_csv(ctx, read_input(options["file"]))
            self.ok(f"{ctx.administration.code}: {result.created} rate(s) created, {result.updated} updated")
        else:
            for rate in exchange.rates(ctx, options["currency"]):
                self.stdout.write(f"{rate.currency}  {rate.rate_date.isoformat()}  {rate.rate}  {rate.source}")
