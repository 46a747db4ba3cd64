"""Benchmark: a CAMT.053 file of N lines against N open invoices, parsed, matched and booked.

    .venv/bin/python benchmarks/bank_import.py --lines 100000

90 % of the lines carry the invoice's structured payment reference; of the rest, half name the
invoice number in the remittance text and half carry only the amount (and a payer IBAN nobody
knows). Every line pays exactly one invoice, so each automatic booking can be checked against
the truth. Uses FACTURO_DATABASE_URL when set (PostgreSQL: postgresql://postgres@127.0.0.1:5432/
pay_bench), else a fresh SQLite file under var/. Setup (customers, charges, issued invoices) is
not timed. Prints the counts, then `<number> lines/s` last.
"""

import argparse
import os
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_setup import backend_pid, bench_administration, cpu_seconds, start_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="print where the import spends its time")
    parser.add_argument("--sql", action="store_true", help="print the slowest SQL statements of the import")
    parser.add_argument(
        "--phases",
        action="store_true",
        help="print the CPU before the first write and the writer thread's CPU (Python and database)",
    )
    args = parser.parse_args()
    start_django("bench-bank")
    from django.db import connection

    from facturo.catalog.services import create_item
    from facturo.charges.services import create_charges
    from facturo.formats import camt053
    from facturo.formats.statement import Balance, Statement, StatementLine
    from facturo.invoicing.drafting import draft_from_charges
    from facturo.invoicing.issuing import issue_invoices
    from facturo.invoicing.models import Invoice
    from facturo.parties.models import Customer
    from facturo.payments.services import create_bank_account, import_statement

    n = args.lines
    ctx = bench_administration("p", "Bank benchmark {code}", {"country": "NL"})
    admin = ctx.administration
    create_item(ctx, {"code": "SRV", "names": {"en": "Service hour"}, "unit": "HUR", "default_price": "65.00"})
    bank = create_bank_account(ctx, {"iban": "NL69INGB0123456789", "name": "Benchmark bank"})
    print(f"database: {connection.vendor}, lines: {n} (setup of {n} issued invoices follows, not timed)", flush=True)

    started = time.perf_counter()
    batch = 10_000
    for start in range(0, n, batch):
        size = min(batch, n - start)
        Customer.objects.bulk_create(
            [
                Customer(
                    administration=admin,
                    number=f"{start + i + 1:07d}",
                    name=f"Customer {start + i + 1}",
                    country="NL",
                    language="nl",
                )
                for i in range(size)
            ],
            batch_size=2000,
        )
        create_charges(
            ctx,
            [
                {
                    "reference": f"{start + i + 1:07d}",
                    "customer": f"{start + i + 1:07d}",
                    "item": "SRV",
                    "quantity": str(Decimal(1 + (start + i) % 400) / 4),
                    "service_date": "2026-11-02",
                }
                for i in range(size)
            ],
            source_kind="import",
        )
    customer_ids = list(Customer.objects.filter(administration=admin).order_by("id").values_list("pk", flat=True))
    draft_from_charges(ctx, customer_ids=customer_ids, chunk_customers=1000)
    ids = list(Invoice.objects.filter(administration=admin, state="draft").order_by("id").values_list("pk", flat=True))
    issue_invoices(ctx, ids, chunk_size=1000)
    invoices = list(
        Invoice.objects.filter(administration=admin, state="issued")
        .order_by("id")
        .values("id", "number", "amount_open", "payment_reference", "customer__name")
    )
    assert len(invoices) == n, len(invoices)
    print(f"setup: {time.perf_counter() - started:.1f} s", flush=True)

    day = date(2026, 11, 20)
    lines = []
    truth = {}
    kinds = {}
    for position, invoice in enumerate(invoices, 1):
        bucket = position % 20
        if bucket < 18:
            kind, fields = "reference", {"structured_reference": invoice["payment_reference"]}
        elif bucket == 18:
            kind, fields = "text", {"remittance": f"betaling factuur {invoice['number']} dank u"}
        else:
            kind, fields = "amount", {"remittance": "betaling", "counterparty_iban": "NL20INGB0001234567"}
        lines.append(
            StatementLine(
                amount=invoice["amount_open"],
                booking_date=day - timedelta(days=position % 3),
                counterparty_name=invoice["customer__name"],
                bank_reference=f"B{position}",
                **fields,
            )
        )
        truth[position] = invoice["id"]
        kinds[position] = kind
    total = sum((line.amount for line in lines), Decimal(0))
    data = camt053.write(
        Statement(bank.iban, "EUR", "BENCH-1", "1", Balance(Decimal("0.00"), day), Balance(total, day), tuple(lines))
    )
    print(f"file: {len(data) / 1e6:.1f} MB", flush=True)

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    backend = backend_pid(connection)
    timings: dict[str, list[float]] = {}

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.setdefault(" ".join(sql.split())[:110], []).append(time.perf_counter() - begun)

    phases = _watch_phases(backend) if args.phases else None
    wrapper = connection.execute_wrapper(timed) if args.sql else None
    if wrapper is not None:
        wrapper.__enter__()
    started, cpu_started, db_started = time.perf_counter(), time.process_time(), cpu_seconds(backend)
    result = import_statement(ctx, data, file_name="bench.xml")
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    db_cpu = cpu_seconds(backend) - db_started if backend else None
    if wrapper is not None:
        wrapper.__exit__(None, None, None)
        for sql, spent in sorted(timings.items(), key=lambda kv: -sum(kv[1]))[:15]:
            print(f"{sum(spent):7.3f} s {len(spent):6d}×  {sql}")
    if phases is not None:
        phases.report(n)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(30)

    from facturo.payments.models import StatementLine as Line

    position_of = dict(Line.objects.filter(statement__bank_account=bank).values_list("id", "position"))
    wrong = 0
    automatic_by_kind = {"reference": 0, "text": 0, "amount": 0}
    for line_id, invoice_ids in result.booked:
        position = position_of[line_id]
        automatic_by_kind[kinds[position]] += 1
        if invoice_ids != (truth[position],):
            wrong += 1
    references = sum(1 for k in kinds.values() if k == "reference")
    print(
        f"automatic: {result.automatic} (structured references: {automatic_by_kind['reference']} of {references}, "
        f"{100 * automatic_by_kind['reference'] / references:.2f} %; text: {automatic_by_kind['text']}; "
        f"amount only: {automatic_by_kind['amount']})"
    )
    print(f"suggested: {result.suggested}, unmatched: {result.unmatched}")
    print(f"wrong automatic matches: {wrong}")
    database = f", database backend {db_cpu:.1f} s" if backend else ""
    print(f"elapsed: {elapsed:.1f} s; CPU: Python {cpu:.1f} s{database}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{n / elapsed:,.0f} lines/s")


class _Phases:
    """The two sides of the import's pipeline: the main thread's CPU before the writer starts
    (reading the file's header, the open items, reserving ids: nothing overlaps it), and the
    writer thread's chunks (its own Python and the database backend's CPU while it writes),
    which bound the wall clock once the main thread keeps ahead of them."""

    def __init__(self) -> None:
        self.started_cpu = time.thread_time()
        self.started_wall = time.perf_counter()
        self.serial_cpu: float | None = None
        self.serial_wall: float | None = None
        self.writer_python = self.writer_database = 0.0

    def report(self, n: int) -> None:
        serial_cpu, serial_wall = self.serial_cpu or 0.0, self.serial_wall or 0.0
        print(f"before the first write: {serial_wall:.1f} s wall, main thread {1e6 * serial_cpu / n:.0f} us CPU a line")
        print(
            f"writer: Python {1e6 * self.writer_python / n:.0f} us + database {1e6 * self.writer_database / n:.0f} us"
            " CPU a line"
        )


def _watch_phases(backend: int | None) -> _Phases:
    from facturo.payments import pipeline, services

    phases = _Phases()
    enter, write_chunk = pipeline.Pipeline.__enter__, services._write_chunk

    def entered(self):  # type: ignore[no-untyped-def]
        if phases.serial_cpu is None:
            phases.serial_cpu = time.thread_time() - phases.started_cpu
            phases.serial_wall = time.perf_counter() - phases.started_wall
        return enter(self)

    def written(*args, **kwargs):  # type: ignore[no-untyped-def]
        python, database = time.thread_time(), cpu_seconds(backend)
        try:
            return write_chunk(*args, **kwargs)
        finally:
            phases.writer_python += time.thread_time() - python
            phases.writer_database += cpu_seconds(backend) - database

    pipeline.Pipeline.__enter__ = entered  # type: ignore[method-assign]
    services._write_chunk = written
    return phases


if __name__ == "__main__":
    main()
