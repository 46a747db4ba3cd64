"""facturo billing-run: preview, approve, work on and report billing runs."""

import json
from typing import Any

from django.core.management.base import CommandParser

from facturo.billing import services as billing
from facturo.console.base import ServiceCommand, parse_date


class Command(ServiceCommand):
    help = (
        "Billing runs. `preview --date D` computes what a run on D bills (nothing is written "
        "but the run); `approve RUN [--work]` cuts it into chunks and queues them for the "
        "workers (`facturo db_worker`), or works on them here; `work RUN` takes pending chunks "
        "(resumes a run that was interrupted); `status RUN` shows progress and the "
        "completeness report; `cancel RUN` drops a preview; `run --date D` does it all at once."
    )

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["preview", "approve", "work", "status", "cancel", "run", "list"])
        parser.add_argument("run", nargs="?", type=int, help="the run's id (approve, work, status, cancel)")
        parser.add_argument("--date", type=parse_date, metavar="YYYY-MM-DD", help="the run date (preview, run)")
        parser.add_argument("--work", action="store_true", help="approve: do the chunks in this process")
        parser.add_argument("--chunk-customers", type=int, default=billing.CHUNK_CUSTOMERS, metavar="N")
        parser.add_argument("--json", action="store_true", help="print the preview or report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = self.context(options)
        action = options["action"]
        if action in ("preview", "run"):
            if options["date"] is None:
                self.stderr.write("--date is required")
                raise SystemExit(2)
            run = billing.start_run(ctx, options["date"])
            self._preview(run, options)
            if action == "run":
                billing.approve_run(ctx, run.pk, enqueue=False, chunk_customers=options["chunk_customers"])
                self._work(ctx, run.pk, options)
            return
        if action == "list":
            for run in billing.runs(ctx)[:50]:
                self.stdout.write(
                    f"{run.pk}\t{run.run_date}\t{run.state}\t{run.chunks_done}/{run.chunks_total} chunks\t"
                    f"{run.invoices} invoices"
                )
            return
        if options["run"] is None:
            self.stderr.write(f"{action} needs the run's id")
            raise SystemExit(2)
        run_id = options["run"]
        if action == "approve":
            run = billing.approve_run(
                ctx, run_id, enqueue=not options["work"], chunk_customers=options["chunk_customers"]
            )
            self.ok(f"run {run.pk} approved: {run.chunks_total} chunk(s)")
            if options["work"]:
                self._work(ctx, run_id, options)
            else:
                self.stdout.write("queued for the workers (facturo db_worker)")
        elif action == "work":
            self._work(ctx, run_id, options)
        elif action == "cancel":
            billing.cancel_run(ctx, run_id)
            self.ok(f"run {run_id} cancelled")
        else:
            self._status(ctx, run_id, options)

    def _preview(self, run: Any, options: dict[str, Any]) -> None:
        p = run.preview
        if options["json"]:
            self.stdout.write(json.dumps({"run": run.pk, **p}, indent=2))
            return
        self.stdout.write(f"run {run.pk} on {p['run_date']}: preview")
        self.stdout.write(f"  {p['contracts']} contract(s), {p['customers']} customer(s), total {p['total']}")
        for t in p["per_type"]:
            change = f" (previous {t['previous']}, change {t['change']})" if t["previous"] is not None else ""
            self.stdout.write(f"  {t['name']}: {t['contracts']} contract(s), {t['amount']}{change}")
        self.stdout.write(f"  caught-up periods: {p['caught_up_count']}")
        if p.get("corrections_count"):
            self.stdout.write(
                f"  corrections of invoiced periods: {p['corrections_count']}, total {p['corrections_total']}"
            )
            for c in p["corrections"][:50]:
                self.stdout.write(
                    f"    {c['contract']} line {c['line']} {c['period_start']}..{c['period_end']} v{c['version']}: "
                    f"invoiced {c['billed']}, due {c['due']}, {c['kind']} {c['amount']}"
                )
        for i in p.get("indexations", [])[:50]:
            what = f"not applied: {i['problem']}" if i["problem"] else i["basis"]
            what += "".join(f"; line {x['line']}: {x['old_price']} -> {x['new_price']}" for x in i.get("lines", []))
            self.stdout.write(f"  indexation {i['contract']} from {i['on']}: {what}")
        for r in p.get("renewals", [])[:50]:
            self.stdout.write(f"  renewal {r['contract']} (ended {r['end_date']})")
        self.stdout.write(f"  not billed: {p['not_billed_count']} active contract(s)")
        for n in p["not_billed"][:20]:
            self.stdout.write(f"    {n['contract']}: {n['reason']}")

    def _work(self, ctx: Any, run_id: int, options: dict[str, Any]) -> None:
        run = billing.get_run(ctx, run_id)
        pending = run.chunks_total - run.chunks_done
        with self.progress(pending, "billing", options, unit="chunks") as step:
            done = billing.work(run_id, progress=lambda chunk: step(1))
        run.refresh_from_db()
        self.ok(
            f"run {run.pk}: {done} chunk(s) done here; {run.chunks_done}/{run.chunks_total} in all; "
            f"{run.invoices} invoice(s) issued from {run.charges} charge(s); state {run.state}"
        )

    def _status(self, ctx: Any, run_id: int, options: dict[str, Any]) -> None:
        progress = billing.progress(ctx, run_id)
        report = billing.completeness(ctx, run_id)
        for error in progress.errors:
            self.stderr.write(f"  failed, will be retried: {error}")
        if options["json"]:
            self.stdout.write(json.dumps({"progress": progress.__dict__, **report}, indent=2, default=str))
            return
        self.stdout.write(
            f"run {run_id}: {progress.state}, {progress.chunks_done}/{progress.chunks_total} chunks "
            f"({progress.percent} %), {progress.invoices} invoice(s), {progress.charges} charge(s)"
        )
        self.stdout.write(
            f"  periods invoiced {report['invoiced_periods']}, skipped {report['skipped_periods']}, "
            f"caught up {report['caught_up_periods']}, still due {report['still_due_periods']}"
        )
        for s in report["skipped"][:20]:
            self.stdout.write(f"  skipped {s['contract']} line {s['line']} {s['period']}: {s['reason']}")
        for n in report["not_billed"][:20]:
            self.stdout.write(f"  not billed {n['contract']}: {n['reason']}")
        for invoice_id, reason in list(report["refused"].items())[:20]:
            self.stdout.write(f"  refused invoice {invoice_id}: {reason}")
        for c in report["corrections"][:20]:
            self.stdout.write(f"  correction {c['contract']} line {c['line']} {c['period']}: {c['reason']}")
