"""facturo import-charges FILE.csv: import charges all or nothing, reporting every bad row."""

from typing import Any

from django.core.management.base import CommandParser

from facturo.charges.services import CSV_COLUMNS, import_charges_csv
from facturo.console.base import ServiceCommand, read_input


class Command(ServiceCommand):
    help = (
        "Import charges from a CSV file (comma or semicolon separated, UTF-8). Columns: "
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
        result = import_charges_csv(ctx, content)
        self.ok(
            f"{ctx.administration.code}: {len(result.created)} charge(s) created, "
            f"{len(result.already_present)} already present"
        )
