"""facturo import-statement FILE [--account IBAN]: import a bank statement and match its lines."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from facturo.console.base import ServiceCommand, read_input
from facturo.payments.services import import_statement


class Command(ServiceCommand):
    help = (
        "Import a bank statement file (CAMT.053, MT940 or CODA; the format is recognised). All "
        "statements in the file are imported or none; lines are matched and booked, the rest wait "
        "in the reconciliation list."
    )

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="the statement file, or - for standard input")
        parser.add_argument("--account", metavar="IBAN", default="", help="refuse a file of any other account")
        parser.add_argument("--format", choices=["camt.053", "mt940", "coda"], default="", help="skip detection")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        name = options["file"]
        content = read_input(name)
        result = import_statement(
            ctx, content, file_name=Path(name).name, format=options["format"], account_iban=options["account"]
        )
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        numbers = ", ".join(s.sequence for s in result.statements)
        self.ok(
            f"{ctx.administration.code}: statement {numbers}: {result.lines} line(s), {result.automatic} booked "
            f"automatically, {result.returns} returned, {result.suggested} with suggestions, "
            f"{result.unmatched} unmatched"
        )
