"""facturo credit NUMBER: a credit note against an issued invoice, in full or for an amount."""

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from facturo.console.base import ServiceCommand, parse_date
from facturo.invoicing.services import create_credit_note, find_invoice, issue


class Command(ServiceCommand):
    help = (
        "Make a credit note for an issued invoice: --full, or --amount (net) with --vat-category and "
        "--vat-rate of one of the invoice's VAT rates. The credit note stays a draft unless --issue."
    )

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", metavar="NUMBER", help="number of the issued invoice")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--full", action="store_true", help="credit the whole invoice")
        what.add_argument("--amount", metavar="NET", help="net amount to credit, e.g. 50.00")
        parser.add_argument("--vat-category", metavar="CAT", help="VAT category of the amount, e.g. S")
        parser.add_argument("--vat-rate", metavar="RATE", help="VAT rate of the amount, e.g. 21")
        parser.add_argument("--reason", default="", help="why; printed on the credit note")
        parser.add_argument("--issue", action="store_true", help="issue the credit note at once")
        parser.add_argument("--date", type=parse_date, metavar="YYYY-MM-DD", help="issue date (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        original = find_invoice(ctx, options["number"])
        data: dict[str, Any] = {"reason": options["reason"]}
        if options["full"]:
            data["full"] = True
        else:
            if not options["vat_category"] or options["vat_rate"] is None:
                raise CommandError("--amount needs --vat-category and --vat-rate")
            data.update(
                amount=options["amount"], vat_category=options["vat_category"], vat_rate=options["vat_rate"]
            )
        credit = create_credit_note(ctx, original.pk, data)
        line = f"credit note draft #{credit.pk} for {original.number}: {credit.tax_inclusive} {credit.currency}"
        if options["issue"]:
            credit = issue(ctx, credit.pk, issue_date=options["date"] or timezone.localdate())
            line = f"credit note {credit.number} for {original.number}: {credit.tax_inclusive} {credit.currency}"
        self.ok(line)
