"""facturo issue: number and issue drafts (and approved documents), all or a chosen few."""

from collections import defaultdict
from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from facturo.administrations.models import DocumentKind
from facturo.console.base import ServiceCommand, parse_date
from facturo.invoicing.models import Invoice
from facturo.invoicing.services import approve, find_invoice, get_invoice, invoices, issue_invoices


class Command(ServiceCommand):
    help = (
        "Issue draft or approved invoices and credit notes: give their ids (or numbers), or --all. "
        "Prints the numbers handed out and every refusal with its reason."
    )

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("documents", nargs="*", metavar="NUMBER_OR_ID", help="drafts by id, e.g. 42")
        parser.add_argument("--all", action="store_true", help="every draft and approved document")
        parser.add_argument(
            "--date", type=parse_date, metavar="YYYY-MM-DD", help="issue date (default: today)"
        )
        parser.add_argument(
            "--approve",
            action="store_true",
            help="approve drafts first where the administration requires approval",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        if bool(options["documents"]) == bool(options["all"]):
            raise CommandError("give the documents to issue, or --all (not both)")
        admin = ctx.administration
        if options["all"]:
            drafts = list(invoices(ctx, status="draft", sort="id").values_list("pk", flat=True))
            approved = list(invoices(ctx, status="approved", sort="id").values_list("pk", flat=True))
            if admin.requires_approval and not options["approve"]:
                ids = approved
                if drafts:
                    self.stdout.write(
                        f"{len(drafts)} draft(s) await approval and are left alone; "
                        "add --approve to approve and issue them"
                    )
            else:
                ids = drafts + approved
        else:
            ids = [self._resolve(ctx, ref) for ref in options["documents"]]
        if not ids:
            self.stdout.write(f"{admin.code}: nothing to issue")
            return
        if options["approve"] and admin.requires_approval:
            approved_now = approve(ctx, ids)
            if approved_now:
                self.stdout.write(f"approved {approved_now} draft(s)")
        on = options["date"] or timezone.localdate()
        with self.progress(len(ids), "issuing", options, unit="documents") as step:
            result = issue_invoices(ctx, ids, issue_date=on, progress=step)
        self._report_issued(result.issued, on)
        if result.refused:
            labels = {pk: str(doc) for pk, doc in Invoice.objects.in_bulk(list(result.refused)).items()}
            for pk, reason in sorted(result.refused.items()):
                self.stderr.write(f"{labels.get(pk, f'#{pk}')}: {reason}")
            raise CommandError(
                f"{len(result.refused)} of {len(ids)} document(s) were not issued", returncode=1
            )

    def _resolve(self, ctx: Any, reference: str) -> int:
        text = reference.strip().lstrip("#")
        if text.isdigit():
            return get_invoice(ctx, int(text)).pk
        return find_invoice(ctx, reference.strip()).pk

    def _report_issued(self, issued: list[Any], on: date) -> None:
        """Numbers per document kind, in the order they were handed out."""
        if not issued:
            self.stdout.write("nothing was issued")
            return
        by_kind: dict[str, list[str]] = defaultdict(list)
        for document in issued:
            by_kind[document.kind].append(document.number)
        for kind, numbers in by_kind.items():
            label = DocumentKind(kind).label + "s"
            span = numbers[0] if len(numbers) == 1 else f"{numbers[0]} … {numbers[-1]}"
            self.ok(f"{label}: issued {len(numbers)} dated {on.isoformat()}: {span}")
