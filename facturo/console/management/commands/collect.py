"""facturo collect --account IBAN --date YYYY-MM-DD [--scheme CORE|B2B] [--out FILE]: a SEPA
direct-debit batch (pain.008.001.08) of the open invoices of customers with a mandate."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from facturo.console.base import ServiceCommand, parse_date
from facturo.payments import direct_debit
from facturo.payments.models import BankAccount


class Command(ServiceCommand):
    help = "Write a SEPA direct-debit collection (pain.008.001.08) for open invoices under active mandates."

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", metavar="IBAN", required=True, help="the bank account collecting")
        parser.add_argument("--date", type=parse_date, required=True, help="requested collection date")
        parser.add_argument("--scheme", choices=["CORE", "B2B"], default="CORE")
        parser.add_argument("--out", metavar="FILE", help="where to write the file (default: print it)")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        iban = "".join(options["account"].split()).upper()
        account = BankAccount.objects.filter(administration=ctx.administration, iban=iban).first()
        if account is None:
            raise CommandError(f"not found: {iban} is not a bank account of {ctx.administration.code}")
        batch = direct_debit.create_collection(ctx, account.pk, options["date"], scheme=options["scheme"])
        summary = (
            f"{ctx.administration.code}: collection {batch.pk}: {batch.count} direct debit(s), total {batch.total}"
        )
        if options["out"]:
            Path(options["out"]).write_text(batch.file_xml, encoding="utf-8")
            self.ok(summary)
        else:
            self.stdout.write(batch.file_xml)
            self.stderr.write(summary)
