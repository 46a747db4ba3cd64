"""facturo demo: a database with three demo administrations, then the web UI."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandParser

from facturo.catalog.reference import ensure_vat_tables
from facturo.console import demo
from facturo.console.base import ServiceCommand


class Command(ServiceCommand):
    help = (
        "Migrate the database, create the demo data if it is not there yet (three administrations "
        "with customers, items, charges and a billing cycle), print the logins and serve the web UI."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="set up the data and stop")
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
        parser.add_argument("--addr", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.options = options
        started = time.monotonic()
        self.stdout.write("Migrating the database …")
        call_command("migrate", interactive=False, verbosity=0)
        # A flushed database keeps its schema but loses the shipped VAT tables.
        ensure_vat_tables()
        if demo.is_present():
            self.stdout.write("The demo data is already there; nothing was added.")
            demo.ensure_users()
        else:
            self.stdout.write("Creating the demo data …")
            summaries = demo.build(self._progress, self.stdout.write)
            for summary in summaries:
                self.stdout.write(
                    f"  {summary.code}: {summary.customers} customers, {summary.sites} sites, "
                    f"{summary.items} items, {summary.charges} charges → {summary.drafted} drafts, "
                    f"{len(summary.issued)} issued"
                )
                for note in summary.notes:
                    self.stdout.write(f"    {note}")
            self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")
        self._banner(options["addr"], options["port"], serving=not options["no_serve"])
        if not options["no_serve"]:
            addr = options["addr"]
            target = f"[{addr}]:{options['port']}" if ":" in addr else f"{addr}:{options['port']}"
            call_command("runserver", target, use_reloader=False)

    @contextmanager
    def _progress(self, total: int | None, description: str) -> Iterator[Callable[[int], None]]:
        unit = "customers" if "drafting" in description else "documents"
        with self.progress(total, description, self.options, unit=unit) as step:
            yield step

    def _banner(self, addr: str, port: int, serving: bool) -> None:
        host = "127.0.0.1" if addr in ("0.0.0.0", "::", "") else addr
        host = f"[{host}]" if ":" in host else host
        rule = "─" * 78
        lines = [
            rule,
            f"  facturo demo  →  http://{host}:{port}" + ("" if serving else "   (start it: facturo demo)"),
            "",
            "  Log in as:",
        ]
        for user in demo.USERS:
            lines.append(f"    {user.username:<9} password {user.password:<17} {user.describe()}")
        lines += ["", "  Administrations (--administration CODE):"]
        for row in demo.overview():
            waiting = f"{row['drafts']} drafts"
            if row["approved"]:
                waiting += f", {row['approved']} approved"
            lines.append(
                f"    {row['code']:<8} {row['name']} ({row['country']}, {row['currency']}): "
                f"{row['customers']} customers, {row['issued']} issued, {waiting}, "
                f"{row['open_charges']} open charges"
            )
        lines += [
            "",
            "  Try:  facturo invoice-run -a demo-nl        facturo issue -a demo-be --all --approve",
            "        facturo receivables -a demo-pl        facturo verify-chain",
            rule,
        ]
        self.stdout.write("\n".join(lines))

