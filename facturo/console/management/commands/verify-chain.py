"""facturo verify-chain: walk the hash chain of issued documents per administration."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from facturo.administrations.models import Administration
from facturo.invoicing.chain import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the hash chain of issued invoices and credit notes of one administration, or of all "
        "of them. Prints 'OK, N documents' or the first broken link; exits 1 if any chain is broken. "
        "This is an integrity check for whoever runs the database, so it needs no --user."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--administration", "-a", metavar="CODE", help="only this administration")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["administration"]
        administrations = Administration.objects.order_by("code")
        if code:
            administrations = administrations.filter(code=code)
            if not administrations.exists():
                raise CommandError(f"there is no administration {code!r}")
        broken = 0
        width = max((len(a.code) for a in administrations), default=0)
        for admin in administrations:
            report = verify_chain(admin)
            if report.ok:
                self.stdout.write(f"{admin.code:<{width}}  OK, {report.checked} documents")
            else:
                broken += 1
                self.stdout.write(
                    f"{admin.code:<{width}}  BROKEN at {report.broken_at}: {report.reason} "
                    f"({report.checked} documents before it verified)"
                )
        if broken:
            raise CommandError(f"{broken} chain(s) broken", returncode=1)
