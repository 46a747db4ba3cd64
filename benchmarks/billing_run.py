"""Benchmark: a billing run over N contracts, end to end (preview, approval, charges,
drafts, numbers, issued invoices, ledger entries).

    .venv/bin/python benchmarks/billing_run.py --contracts 20000 [--workers 2] [--chunk 500]

N contracts, one customer each, 3 lines on average (1 to 5), a mix of monthly, quarterly and
yearly lines, 10 % with an annex inside the period, 5 % terminated inside the period, and
guard-hour usage records for 20 % of them. Uses FACTURO_DATABASE_URL when set (PostgreSQL:
postgresql://postgres@127.0.0.1:5432/billing_bench), else a fresh SQLite file under var/.
Prints the phases, the peak memory, and last the end-to-end figure as `<number> invoices/s`.
"""

import argparse
import multiprocessing
import os
import random
import resource
import sys
import time
from datetime import date
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_setup import backend_pid, bench_administration, cpu_seconds, start_django  # noqa: E402

RUN_DATE = date(2026, 11, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=500, help="customers per chunk (one transaction)")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="worker processes sharing the run (default: 2 on PostgreSQL, 1 on SQLite)",
    )
    parser.add_argument(
        "--setup-only",
        action="store_true",
        help="populate, print the administration's id and stop (copy the database as a template to measure again)",
    )
    parser.add_argument(
        "--administration",
        type=int,
        help="measure an administration populated earlier with --setup-only instead of populating one",
    )
    args = parser.parse_args()

    start_django("bench-billing")
    from django.db import connection

    if args.administration:
        ctx = existing_administration(args.administration)
        print(f"database: {connection.vendor}, administration {args.administration} set up earlier", flush=True)
    else:
        ctx = prepare(args.contracts)
        if args.setup_only:
            print(f"administration: {ctx.administration.pk}")
            return
    workers = args.workers or (2 if connection.vendor == "postgresql" else 1)
    print(f"workers: {workers}, customers per chunk: {args.chunk}", flush=True)
    measure(ctx, workers, args.chunk)


def prepare(n: int):  # type: ignore[no-untyped-def]
    """A fresh administration with N contracts; returns its context."""
    from django.db import connection

    from facturo.catalog.services import create_item
    from facturo.contracts.services import ensure_default_types

    ctx = bench_administration("r", "Billing benchmark {code}", {"country": "NL", "iban": "NL91ABNA0417164300"})
    ensure_default_types(ctx)
    create_item(ctx, {"code": "MON", "names": {"en": "Monitoring"}, "unit": "MON", "default_price": "40.00"})
    print(f"database: {connection.vendor}, contracts: {n}", flush=True)
    started = time.perf_counter()
    lines, usage = populate(ctx, n)
    setup = time.perf_counter() - started
    print(f"setup: {n} contracts, {lines} lines, {usage} usage records ({setup:.1f} s)", flush=True)
    return ctx


def existing_administration(administration_id: int):  # type: ignore[no-untyped-def]
    from facturo.administrations.access import context_for
    from facturo.administrations.models import Membership

    owner = Membership.objects.select_related("user", "administration").get(
        administration_id=administration_id, role="admin"
    )
    return context_for(owner.user, owner.administration)


def measure(ctx, workers: int, chunk: int) -> None:  # type: ignore[no-untyped-def]
    """Preview, approval and the run in `workers` processes, with the checks and figures."""
    from django.db import connection

    from facturo.billing import services as billing
    from facturo.invoicing.models import Invoice

    admin = ctx.administration
    backend = backend_pid(connection)
    started, cpu_started, db_started = time.perf_counter(), time.process_time(), cpu_seconds(backend)
    run = billing.start_run(ctx, RUN_DATE)
    preview_time = time.perf_counter() - started
    preview_cpu = (time.process_time() - cpu_started, cpu_seconds(backend) - db_started)
    print(
        f"preview: {preview_time:.1f} s (total {run.preview['total']}, {run.preview['periods']} periods, "
        f"{run.preview['caught_up_count']} caught up, {run.preview['not_billed_count']} not billed)",
        flush=True,
    )
    started, cpu_started, db_started = time.perf_counter(), time.process_time(), cpu_seconds(backend)
    billing.approve_run(ctx, run.pk, enqueue=False, chunk_customers=chunk)
    main_cpu = (time.process_time() - cpu_started, cpu_seconds(backend) - db_started)
    worker_cpu = in_workers(run.pk, workers)
    run_time = time.perf_counter() - started
    if workers <= 1:
        worker_cpu = (0.0, 0.0)  # the work ran in this process, counted in main_cpu below
        main_cpu = (time.process_time() - cpu_started, cpu_seconds(backend) - db_started)
    run_cpu = (main_cpu[0] + worker_cpu[0], main_cpu[1] + worker_cpu[1])
    run.refresh_from_db()
    assert run.state == "done", run.state
    issued = Invoice.objects.filter(administration=admin, state="issued").count()
    assert issued == run.invoices, (issued, run.invoices)
    print(f"run (charges → issued invoices): {issued / run_time:,.0f} invoices/s ({run_time:.1f} s)", flush=True)
    numbers = sorted(Invoice.objects.filter(administration=admin, state="issued").values_list("sequence", flat=True))
    assert numbers == list(range(1, issued + 1)), "numbers are not consecutive"
    again = billing.start_run(ctx, RUN_DATE)
    assert again.preview["periods"] == 0, "a second run would bill again"
    billing.cancel_run(ctx, again.pk)
    peak = (
        max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        / 1024
    )
    print(f"peak memory (largest process): {peak:,.0f} MiB")
    print(f"issued invoices: {issued}, charges: {run.charges}")
    for label, (python, database) in (("preview", preview_cpu), ("run", run_cpu)):
        database_part = f" + database backends {database:.1f} s" if backend else ""
        per = 1000 * (python + database) / max(issued, 1)
        print(f"CPU {label}: Python {python:.1f} s{database_part} = {per:.2f} ms per invoice")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    total = preview_time + run_time
    print(f"end to end (preview + run): {issued / total:,.0f} invoices/s ({total:.1f} s)")


def populate(ctx, n: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Customers, sites, contracts, lines, terms, annexes and usage in bulk (set-up only)."""
    from facturo.catalog.models import Item
    from facturo.contracts.models import (
        Annex,
        Contract,
        ContractLine,
        ContractSite,
        ContractType,
        LineTerms,
        UsageRate,
        UsageRecord,
    )
    from facturo.parties.models import Customer, Site

    rng = random.Random(4)
    admin = ctx.administration
    item = Item.objects.get(administration=admin, code="MON")
    types = {t.code: t for t in ContractType.objects.filter(administration=admin)}
    start = date(2026, 11, 1)
    lines_made = usage_made = 0
    batch = 5000
    for first in range(0, n, batch):
        size = min(batch, n - first)
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    administration=admin,
                    number=f"{first + i + 1:07d}",
                    name=f"Customer {first + i + 1}",
                    country="NL",
                    email="billing@example.com",
                    language="nl",
                )
                for i in range(size)
            ]
        )
        sites = Site.objects.bulk_create(
            [
                Site(administration=admin, customer=c, code=f"S{c.number}", name=f"Site {c.number}", country="NL")
                for c in customers
            ]
        )
        contracts = Contract.objects.bulk_create(
            [
                Contract(
                    administration=admin,
                    number=f"K{c.number}",
                    customer=c,
                    type=types[rng.choice(["maintenance", "monitoring", "guarding", "rent"])],
                    start_date=start,
                    termination_date=date(2026, 11, 20) if rng.random() < 0.05 else None,
                    termination_reason="moved out",
                    version=1,
                )
                for c in customers
            ]
        )
        for contract in contracts:
            contract.termination_reason = contract.termination_reason if contract.termination_date else ""
        Contract.objects.bulk_update(contracts, ["termination_reason"])
        Annex.objects.bulk_create(
            [Annex(contract=c, version=1, effective_from=start, description="Contract signed") for c in contracts]
        )
        ContractSite.objects.bulk_create(
            [
                ContractSite(contract=c, site=s, version=1, effective_from=start)
                for c, s in zip(contracts, sites, strict=True)
            ]
        )
        lines: list[ContractLine] = []
        for contract in contracts:
            for position in range(1, rng.randint(1, 5) + 1):
                frequency = rng.choice(["monthly", "monthly", "quarterly", "yearly"])
                lines.append(
                    ContractLine(
                        contract=contract,
                        position=position,
                        item=item,
                        description=f"Service {position}",
                        unit="MON",
                        vat_category="S",
                        vat_kind="standard",
                        frequency=frequency,
                        timing="advance",
                        alignment="anniversary",
                    )
                )
        lines = ContractLine.objects.bulk_create(lines)
        lines_made += len(lines)
        terms = [
            LineTerms(
                line=line,
                version=1,
                effective_from=start,
                quantity=Decimal(rng.choice([1, 1, 2, 3])),
                unit_price=Decimal(rng.choice(["40.00", "95.00", "129.50", "250.00"])),
                site_id=None,
            )
            for line in lines
        ]
        annexed = {c.pk for c in contracts if rng.random() < 0.10 and c.termination_date is None}
        versions: list[Annex] = []
        for line, term in zip(lines, list(terms), strict=True):
            if line.contract_id in annexed and line.position == 1:
                terms.append(
                    LineTerms(
                        line=line,
                        version=2,
                        effective_from=date(2026, 11, 15),
                        quantity=term.quantity,
                        unit_price=term.unit_price * Decimal("1.05"),
                    )
                )
        for contract in contracts:
            if contract.pk in annexed:
                contract.version = 2
                versions.append(
                    Annex(contract=contract, version=2, effective_from=date(2026, 11, 15), description="price")
                )
        LineTerms.objects.bulk_create(terms)
        Annex.objects.bulk_create(versions)
        Contract.objects.bulk_update([c for c in contracts if c.pk in annexed], ["version"])
        pairs = zip(contracts, sites, strict=True)
        with_usage = [(c, s) for c, s in pairs if rng.random() < 0.20 and not c.termination_date]
        UsageRate.objects.bulk_create(
            [
                UsageRate(
                    contract=c,
                    kind="guard_hours",
                    description="Guard hours",
                    rate=Decimal("30"),
                    night_rate=Decimal("36"),
                    weekend_rate=Decimal("42"),
                    holiday_rate=Decimal("60"),
                )
                for c, _ in with_usage
            ]
        )
        records = [
            UsageRecord(
                administration=admin,
                reference=f"U{c.number}-{d}",
                contract=c,
                site=s,
                kind="guard_hours",
                day=date(2026, 10, 31),
                start_time=clock(18),
                end_time=clock(2),
                quantity=Decimal(1),
            )
            for c, s in with_usage
            for d in range(2)
        ]
        UsageRecord.objects.bulk_create(records)
        usage_made += len(records)
    return lines_made, usage_made


def in_workers(run_id: int, workers: int) -> tuple[float, float]:
    """Worker processes taking the run's chunks, as `facturo db_worker`s would; returns the
    CPU seconds they and their database backends spent."""
    from django.db import connection, connections

    from facturo.billing import services as billing

    if workers <= 1:
        billing.work(run_id)
        return 0.0, 0.0
    connections.close_all()
    context = multiprocessing.get_context("fork")
    spent = context.Queue()

    def run() -> None:
        connections.close_all()
        try:
            billing.work(run_id)
            spent.put((time.process_time(), cpu_seconds(backend_pid(connection))))
        finally:
            connections.close_all()

    processes = [context.Process(target=run) for _ in range(workers)]
    for process in processes:
        process.start()
    totals = [spent.get() for _ in processes]
    for process in processes:
        process.join()
        assert process.exitcode == 0, process.exitcode
    return sum(t[0] for t in totals), sum(t[1] for t in totals)


if __name__ == "__main__":
    main()
