"""facturo documents: write the documents of issued invoices to a folder, and send what is due."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from facturo.console.base import ServiceCommand
from facturo.documents import services
from facturo.invoicing.services import find_invoice, invoices


class Command(ServiceCommand):
    help = (
        "Documents of issued invoices. `export` writes PDF, PEPPOL UBL, NLCIUS, Factur-X or KSeF files "
        "(each format only for the invoices it applies to; the others are listed as skipped). "
        "`send-due` sends every outbox item whose time has come (for cron, next to `facturo db_worker`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        export = actions.add_parser("export", help="write documents of issued invoices to a folder")
        which = export.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every issued invoice and credit note")
        which.add_argument("--invoice", action="append", metavar="NUMBER", help="an invoice number (repeatable)")
        export.add_argument("--format", required=True, choices=services.EXPORT_FORMATS)
        export.add_argument("--out", required=True, metavar="DIR", help="the folder to write to (created if needed)")
        due = actions.add_parser("send-due", help="send every outbox item that is due now")
        for sub, needs_admin in ((export, True), (due, False)):
            sub.add_argument(
                "--administration", "-a", metavar="CODE",
                help="the administration" + ("" if needs_admin else " (default: all)"),
            )
            sub.add_argument("--user", "-u", metavar="USERNAME", help="act as this user")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "send-due":
            self._send_due(options)
        else:
            self._export(options)

    def _send_due(self, options: dict[str, Any]) -> None:
        administration_id = None
        if options.get("administration"):
            administration_id = self.context(options).administration.pk
        result = services.deliver_due(administration_id=administration_id)
        self.ok(
            f"{result.sent} sent, {result.retrying} to retry later, {result.failed} failed, "
            f"{result.print_batches} print batch(es)"
        )

    def _export(self, options: dict[str, Any]) -> None:
        ctx = self.context(options)
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        if options["all"]:
            ids = list(invoices(ctx, status="issued", sort="id").values_list("pk", flat=True))
        else:
            ids = [find_invoice(ctx, number).pk for number in options["invoice"]]
        fmt = options["format"]

        def write(name: str, content: bytes) -> None:
            path = out / name.replace("/", "-")
            path.write_bytes(content)
            self.stdout.write(f"wrote {path}")

        with self.progress(len(ids), "exporting", options, unit="documents") as step:
            result = services.export_documents(ctx, ids, fmt, write, progress=step)
        for number, reason in result.skipped:
            self.stdout.write(f"{number}: skipped, {reason}")
        for number, reason in result.failed:
            self.stderr.write(f"{number}: {reason}")
        self.ok(f"{len(result.written)} {fmt} file(s) written to {out}, {len(result.skipped)} skipped")
        if result.failed:
            raise CommandError(f"{len(result.failed)} document(s) could not be made", returncode=1)
