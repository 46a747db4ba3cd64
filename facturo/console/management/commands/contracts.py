"""facturo contracts: list, show, create from JSON, terminate, and the alerts."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from facturo.console.base import ServiceCommand, parse_date
from facturo.contracts import alerts, indexation
from facturo.contracts import services as contracts


class Command(ServiceCommand):
    help = (
        "Contracts. `list [--search S] [--status active|ended|terminated|suspended]`; "
        "`show NUMBER` (lines, versions, suspensions); `create FILE.json` (one contract or a "
        "list, as the API takes them, all or nothing); `annex NUMBER FILE.json`; "
        "`terminate NUMBER --date D --reason R`; `alerts [--days N]`; `index NUMBER --date D` (price "
        "indexation); `load-index CODE FILE.csv` (an index series, month,value); `settle NUMBER --from D "
        "--to D --actual X` (an advance contract's period against the actual amount); `renew NUMBER "
        "[--months N]` (a new version); `corrections NUMBER` (corrections of invoiced periods); "
        "`alerts --mail` (each new alert once) or `alerts --schedule` (the daily alert mail task)."
    )

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            choices=[
                "list",
                "show",
                "create",
                "annex",
                "terminate",
                "alerts",
                "index",
                "load-index",
                "settle",
                "renew",
                "corrections",
            ],
        )
        parser.add_argument("operands", nargs="*", metavar="ARG")
        parser.add_argument("--search", default="")
        parser.add_argument("--status", default="")
        parser.add_argument("--date", type=parse_date, metavar="YYYY-MM-DD")
        parser.add_argument("--reason", default="")
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument("--mail", action="store_true", help="alerts: e-mail them to the responsible users")
        parser.add_argument("--from", dest="date_from", type=parse_date, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", type=parse_date, metavar="YYYY-MM-DD")
        parser.add_argument("--actual", help="settle: the actual amount for the period (net)")
        parser.add_argument("--months", type=int, help="renew: the term (default: the contract's renewal term)")
        parser.add_argument(
            "--schedule", action="store_true", help="alerts: queue the daily alert mail task (for the worker)"
        )

    def _json(self, name: str) -> Any:
        if name == "-":
            return json.load(sys.stdin)
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"{name}: no such file")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise CommandError(f"{name}: not valid JSON ({exc})") from None

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        action, rest = options["action"], options["operands"]
        if action == "list":
            for c in contracts.contracts(ctx, search=options["search"], status=options["status"])[:500]:
                end = c.last_day.isoformat() if c.last_day else ""
                self.stdout.write(f"{c.number}\t{c.type.code}\t{c.customer.name}\t{c.start_date}..{end}\tv{c.version}")
        elif action == "show":
            contract = contracts.find_contract(ctx, self._one(rest, "NUMBER"))
            self.stdout.write(f"{contract.number} {contract.type.name} for {contract.customer}")
            self.stdout.write(f"  {contract.start_date}..{contract.last_day or ''}, version {contract.version}")
            terms = f"{contract.payment_terms_days} days" if contract.payment_terms_days is not None else "customer's"
            channel = contract.delivery_channel or "customer's"
            self.stdout.write(f"  payment terms: {terms}, delivery: {channel}")
            for view in contracts.contract_lines(ctx, contract):
                line = view.line
                self.stdout.write(f"  line {line.position}: {line.description} ({line.frequency}, {line.timing})")
                for t in view.terms:
                    removed = " removed" if t.is_removed else ""
                    self.stdout.write(
                        f"    v{t.version} from {t.effective_from}: {t.quantity.normalize()} × {t.unit_price} "
                        f"{t.site}{removed}"
                    )
            for annex in contract.annexes.all():
                self.stdout.write(f"  v{annex.version} {annex.effective_from}: {annex.description}")
        elif action == "create":
            data = self._json(self._one(rest, "FILE.json"))
            items = data if isinstance(data, list) else [data]
            made = contracts.create_contracts(ctx, items)
            self.ok(f"{len(made)} contract(s) created: {', '.join(c.number for c in made)}")
        elif action == "annex":
            if len(rest) != 2:
                raise CommandError("annex needs NUMBER and FILE.json")
            contract = contracts.find_contract(ctx, rest[0])
            annex = contracts.add_annex(ctx, contract.pk, self._json(rest[1]))
            self.ok(f"{contract.number}: version {annex.version} from {annex.effective_from}")
        elif action == "terminate":
            contract = contracts.find_contract(ctx, self._one(rest, "NUMBER"))
            if options["date"] is None:
                raise CommandError("--date is required")
            contracts.terminate(ctx, contract.pk, options["date"], options["reason"])
            self.ok(f"{contract.number} terminated on {options['date']}")
        elif action == "index":
            contract = contracts.find_contract(ctx, self._one(rest, "NUMBER"))
            if options["date"] is None:
                raise CommandError("--date is required")
            for p in indexation.index_contract(ctx, contract.pk, options["date"]):
                self.stdout.write(
                    f"{contract.number} line {p.line.position}: {p.old_price} → {p.new_price} ({p.basis})"
                )
        elif action == "load-index":
            if len(rest) != 2:
                raise CommandError("load-index needs CODE and FILE.csv (month,value)")
            path = Path(rest[1])
            if not path.is_file():
                raise CommandError(f"{rest[1]}: no such file")
            self.ok(f"{indexation.load_index_series(ctx, rest[0], path.read_bytes())} month(s) of {rest[0]} loaded")
        elif action == "settle":
            from decimal import Decimal, InvalidOperation

            from facturo.billing.settlement import settle

            contract = contracts.find_contract(ctx, self._one(rest, "NUMBER"))
            if options["date_from"] is None or options["date_to"] is None or options["actual"] is None:
                raise CommandError("settle needs --from, --to and --actual")
            try:
                actual = Decimal(options["actual"])
            except InvalidOperation:
                raise CommandError(f"--actual {options['actual']!r} is not a decimal number") from None
            result = settle(ctx, contract.pk, options["date_from"], options["date_to"], actual)
            s = result.settlement
            self.ok(
                f"{contract.number}: actual {s.actual}, advances {s.advances}, difference {s.difference}; "
                f"documents: {', '.join(result.documents) or 'none'}"
            )
        elif action == "renew":
            from facturo.contracts.renewal import renew

            contract = contracts.find_contract(ctx, self._one(rest, "NUMBER"))
            annex = renew(ctx, contract.pk, options["months"])
            self.ok(f"{contract.number}: version {annex.version}: {annex.description}")
        elif action == "corrections":
            contract = contracts.find_contract(ctx, self._one(rest, "NUMBER"))
            for c in contracts.corrections_of(ctx, contract):
                document = c.credit_note or (f"charge {c.charge_id}" if c.charge_id else "")
                self.stdout.write(
                    f"line {c.line.position}\t{c.period_start}..{c.period_end}\tv{c.version}\tinvoiced {c.billed}"
                    f"\tdue {c.due}\t{c.amount}\t{c.original_invoice}\t{document}"
                )
            for change in contracts.pending_corrections(ctx, contract):
                self.stdout.write(f"pending\t{change.effective_from}\t{change.description}")
        elif options["schedule"]:
            from facturo.contracts.tasks import schedule_alert_mails

            schedule_alert_mails(options["days"])
            self.ok("the daily alert mail task is queued")
        elif options["mail"]:
            sent = alerts.mail_alerts(ctx, days=options["days"])
            for address, count in sent.items():
                self.stdout.write(f"{address}: {count} alert(s)")
            self.ok(f"{len(sent)} e-mail(s) sent")
        else:
            for alert in alerts.alerts(ctx, days=options["days"]):
                self.stdout.write(f"{alert.kind}\t{alert.due}\t{alert.subject}\t{alert.message}")

    def _one(self, rest: list[str], name: str) -> str:
        if len(rest) != 1:
            raise CommandError(f"give {name}")
        return rest[0]
