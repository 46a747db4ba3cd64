"""facturo import-notification FILE: returned direct debits from a camt.054 debit notification."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from facturo.console.base import ServiceCommand
from facturo.payments.services import import_notification


class Command(ServiceCommand):
    help = (
        "Read returned and refused direct debits from a camt.054 notification: each reopens its invoice "
        "now; the statement line that follows only clears the suspense account."
    )

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        result = import_notification(ctx, path.read_bytes(), file_name=path.name)
        for problem in result.unplaced:
            self.stderr.write(f"not placed: {problem}")
        self.ok(
            f"{ctx.administration.code}: {result.returns} return(s) booked, {result.already} already known, "
            f"{len(result.unplaced)} not placed, {result.other} other booking(s) left to the statement"
        )
