"""facturo receivables: open items per customer, checked against the ledger."""

from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError

from facturo.console.base import ServiceCommand
from facturo.invoicing.services import receivables_per_customer
from facturo.ledger.services import receivables_balance


class Command(ServiceCommand):
    help = (
        "List what each customer owes (open invoices less unapplied credit notes) and compare the "
        "total with the ledger's receivables balance; exits 1 if they differ."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        currency = ctx.administration.currency
        rows = receivables_per_customer(ctx)
        total = sum((r.open_amount for r in rows), Decimal("0.00"))
        width = max((len(r.name) for r in rows), default=10)
        for row in rows:
            self.stdout.write(
                f"{row.number:<8} {row.name:<{width}} {row.open_amount:>14,.2f} {currency}  "
                f"({row.documents} document{'s' if row.documents != 1 else ''})"
            )
        ledger = receivables_balance(ctx)
        self.stdout.write(f"{'':<8} {'Total open items':<{width}} {total:>14,.2f} {currency}")
        self.stdout.write(f"{'':<8} {'Ledger receivables':<{width}} {ledger:>14,.2f} {currency}")
        if ledger != total:
            raise CommandError(
                f"the ledger's receivables ({ledger}) differ from the open items ({total}) "
                f"by {ledger - total}",
                returncode=1,
            )
        self.ok("open items and ledger agree")
