"""facturo import-usage FILE.csv: import usage records all or nothing, reporting every bad row."""

from typing import Any

from django.core.management.base import CommandParser

from facturo.console.base import ServiceCommand, read_input
from facturo.contracts.usage import CSV_COLUMNS, import_usage_csv


class Command(ServiceCommand):
    help = (
        "Import usage (guard hours, convoy pick-ups and deliveries, call-outs) from a CSV file. Columns: "
        + ", ".join(CSV_COLUMNS)
        + ". Either every row is imported or none: each bad row and column is reported. "
        "Rows whose reference was imported before are counted as already present."
    )

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE.csv", help="the CSV file, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        name = options["file"]
        content = read_input(name)
        result = import_usage_csv(ctx, content)
        self.ok(
            f"{ctx.administration.code}: {len(result.created)} usage record(s) created, "
            f"{len(result.already_present)} already present"
        )
