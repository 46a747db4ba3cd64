"""Benchmark: N customers with 3 open charges each (two VAT rates) → drafts → issued invoices
with numbers, totals, hash chain and ledger entries.

    .venv/bin/python benchmarks/issue_invoices.py --invoices 100000

Uses FACTURO_DATABASE_URL when set (PostgreSQL: postgresql://postgres@127.0.0.1:5432/bench),
else a fresh SQLite file under var/. Prints one `<number> invoices/s` line per phase, the
last being drafting + issuing end to end, and the process's peak memory. Each phase also
prints its CPU per invoice, Python (all workers) and PostgreSQL (their backends, when the
server runs on this machine), and the load average beside the wall figures.

    --profile var/prof    writes cProfile stats of each worker's phase to var/prof.<phase>.<pid>
"""

import argparse
import cProfile
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_setup import backend_pid, bench_administration, cpu_seconds, start_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=1000, help="invoices per transaction")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes sharing drafting and issuing, as task workers would (default: 2 on PostgreSQL, 1 on SQLite, "
        "where writers queue for one lock anyway)",
    )
    parser.add_argument("--profile", default="", help="path prefix for cProfile stats of each worker's phases")
    args = parser.parse_args()

    start_django("bench")
    from django.db import connection

    from facturo.catalog.services import create_item
    from facturo.charges.services import create_charges
    from facturo.invoicing.drafting import draft_from_charges
    from facturo.invoicing.issuing import issue_invoices
    from facturo.invoicing.models import Invoice
    from facturo.parties.models import Customer

    n = args.invoices
    ctx = bench_administration("b", "Benchmark {code}", {"country": "NL", "iban": "NL91ABNA0417164300"})
    admin = ctx.administration
    create_item(ctx, {"code": "SRV", "names": {"en": "Service hour"}, "unit": "HUR", "default_price": "65.00"})
    create_item(
        ctx,
        {"code": "MAT", "names": {"en": "Materials"}, "unit": "C62", "default_price": "12.35", "vat_kind": "reduced"},
    )
    print(f"database: {connection.vendor}, invoices: {n}", flush=True)

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
                    email="billing@example.com",
                    language="nl",
                )
                for i in range(size)
            ],
            batch_size=2000,
        )
        rows = []
        for i in range(size):
            number = f"{start + i + 1:07d}"
            rows.append(
                {
                    "reference": f"{number}-a",
                    "customer": number,
                    "item": "SRV",
                    "quantity": "2.5",
                    "service_date": "2026-11-02",
                }
            )
            rows.append(
                {
                    "reference": f"{number}-b",
                    "customer": number,
                    "item": "SRV",
                    "quantity": "1",
                    "discount_percent": "10",
                    "service_date": "2026-11-03",
                }
            )
            rows.append(
                {
                    "reference": f"{number}-c",
                    "customer": number,
                    "item": "MAT",
                    "quantity": "7",
                    "service_date": "2026-11-04",
                }
            )
        create_charges(ctx, rows, source_kind="import")
    setup = time.perf_counter() - started
    print(f"setup (customers + charges): {n / setup:,.0f} invoices/s ({setup:.1f} s)", flush=True)

    workers = args.workers or (2 if connection.vendor == "postgresql" else 1)
    print(f"workers: {workers}", flush=True)

    def draft(customer_ids: list[int]) -> Counted:
        return measured(
            "draft", lambda: draft_from_charges(ctx, customer_ids=customer_ids, chunk_customers=args.chunk).invoices
        )

    def issue(invoice_ids: list[int]) -> Counted:
        def run() -> int:
            result = issue_invoices(ctx, invoice_ids, chunk_size=args.chunk)
            assert not result.refused, result.refused
            return len(result.issued)

        return measured("issue", run)

    def measured(phase: str, job) -> "Counted":
        """Run a phase's job; its count with the CPU seconds of this process and its backend."""
        backend = backend_pid(connection)
        python, database = time.process_time(), cpu_seconds(backend)
        profile = cProfile.Profile(time.process_time) if args.profile else None
        if profile:
            profile.enable()
        count = job()
        if profile:
            profile.disable()
            profile.dump_stats(f"{args.profile}.{phase}.{os.getpid()}")
        return Counted(count, time.process_time() - python, cpu_seconds(backend) - database)

    started = time.perf_counter()
    customer_ids = list(Customer.objects.filter(administration=admin).order_by("id").values_list("pk", flat=True))
    drafted = in_workers(draft, customer_ids, workers)
    draft_time = time.perf_counter() - started
    assert drafted.count == n, drafted
    print(f"draft: {n / draft_time:,.0f} invoices/s ({draft_time:.1f} s); {drafted.per_invoice()}", flush=True)

    started = time.perf_counter()
    ids = list(Invoice.objects.filter(administration=admin, state="draft").order_by("id").values_list("pk", flat=True))
    issued = in_workers(issue, ids, workers)
    issue_time = time.perf_counter() - started
    assert issued.count == n, issued
    print(f"issue: {n / issue_time:,.0f} invoices/s ({issue_time:.1f} s); {issued.per_invoice()}", flush=True)

    numbers = sorted(Invoice.objects.filter(administration=admin, state="issued").values_list("sequence", flat=True))
    assert numbers == list(range(1, n + 1)), "numbers are not consecutive"
    peak = (
        max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        / 1024
    )
    print(f"peak memory (largest process): {peak:,.0f} MiB")
    total = draft_time + issue_time
    both = Counted(n, drafted.python + issued.python, drafted.database + issued.database)
    print(f"CPU per invoice, draft + issue: {both.per_invoice()}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"end to end (draft + issue): {n / total:,.0f} invoices/s ({total:.1f} s)")


class Counted(NamedTuple):
    """What a phase did in one or more workers: invoices, and CPU seconds in Python and PostgreSQL."""

    count: int
    python: float
    database: float

    def __add__(self, other: "Counted") -> "Counted":  # type: ignore[override]
        return Counted(self.count + other.count, self.python + other.python, self.database + other.database)

    def per_invoice(self) -> str:
        python, database = self.python / self.count * 1e6, self.database / self.count * 1e6
        return f"CPU per invoice {python + database:,.0f} µs (Python {python:,.0f} µs, PostgreSQL {database:,.0f} µs)"


def in_workers(job, items: list[int], workers: int) -> "Counted":
    """Run `job` over contiguous slices of `items` in forked processes; the sum of results."""
    from django.db import connections

    if workers <= 1:
        return job(items)
    connections.close_all()
    size = -(-len(items) // workers)
    slices = [items[i : i + size] for i in range(0, len(items), size)]
    context = multiprocessing.get_context("fork")
    results = context.Queue()

    def run(part: list[int]) -> None:
        connections.close_all()
        try:
            results.put(job(part))
        finally:
            connections.close_all()

    processes = [context.Process(target=run, args=(part,)) for part in slices]
    for process in processes:
        process.start()
    parts = [results.get() for _ in processes]
    total = parts[0]
    for part in parts[1:]:
        total += part
    for process in processes:
        process.join()
        assert process.exitcode == 0, process.exitcode
    return total


if __name__ == "__main__":
    main()
