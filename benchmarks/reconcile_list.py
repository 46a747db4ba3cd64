"""Benchmark: the reconciliation list (web page of 50 lines, API list of 200) with its best
suggestions, for L lines waiting against N open invoices.

    .venv/bin/python benchmarks/reconcile_list.py --invoices 10000 --lines 300

None of the lines is booked at import (no reference, an unknown IBAN): half carry the amount of
an open invoice (an amount-only suggestion), half an amount nobody owes. Setup is not timed.
Prints, per request, the median CPU of this process (and of the PostgreSQL backend) over
seven requests: wall-clock time means little on a shared machine."""

import argparse
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_setup import backend_pid, bench_administration, cpu_seconds, start_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=300)
    args = parser.parse_args()
    start_django("bench-reconcile")
    from django.db import connection
    from django.test import Client

    from facturo.api.services import create_token
    from facturo.catalog.services import create_item
    from facturo.charges.services import create_charges
    from facturo.formats import camt053
    from facturo.formats.statement import Balance, Statement, StatementLine
    from facturo.invoicing.drafting import draft_from_charges
    from facturo.invoicing.issuing import issue_invoices
    from facturo.invoicing.models import Invoice
    from facturo.parties.models import Customer
    from facturo.payments.services import create_bank_account, import_statement, open_line_count

    n = args.invoices
    ctx = bench_administration("r", "Reconcile benchmark {code}", {"country": "NL"})
    admin = ctx.administration
    create_item(ctx, {"code": "SRV", "names": {"en": "Service hour"}, "unit": "HUR", "default_price": "65.00"})
    bank = create_bank_account(ctx, {"iban": "NL69INGB0123456789", "name": "Benchmark bank"})
    Customer.objects.bulk_create(
        [
            Customer(administration=admin, number=f"{i:07d}", name=f"Customer {i}", country="NL", language="nl")
            for i in range(1, n + 1)
        ],
        batch_size=2000,
    )
    create_charges(
        ctx,
        [
            {
                "reference": f"{i:07d}",
                "customer": f"{i:07d}",
                "item": "SRV",
                "quantity": str(Decimal(1 + i % 4000) / 4),
                "service_date": "2026-11-02",
            }
            for i in range(1, n + 1)
        ],
        source_kind="import",
    )
    draft_from_charges(ctx, chunk_customers=1000)
    ids = list(Invoice.objects.filter(administration=admin, state="draft").values_list("pk", flat=True))
    issue_invoices(ctx, ids, chunk_size=1000)
    amounts = list(Invoice.objects.filter(administration=admin, state="issued").values_list("amount_open", flat=True))
    day = date(2026, 11, 20)
    lines = tuple(
        StatementLine(
            amounts[i] if i % 2 else Decimal("0.07") + i,
            day,
            counterparty_name=f"Payer {i}",
            counterparty_iban="NL20INGB0001234567",
            remittance=f"payment {i}",
        )
        for i in range(args.lines)
    )
    total = sum((line.amount for line in lines), Decimal(0))
    statement = Statement(bank.iban, "EUR", "R-1", "1", Balance(Decimal(0), day), Balance(total, day), lines)
    import_statement(ctx, camt053.write(statement))
    waiting = open_line_count(ctx)
    print(f"database: {connection.vendor}, open invoices: {len(amounts):,}, lines waiting: {waiting}", flush=True)

    client = Client()
    client.force_login(ctx.user)
    client.post("/switch/", {"administration": admin.pk})
    _, key = create_token(ctx.user, "bench")
    requests = [
        ("web page (50 lines)", "/bank/reconcile/", {}),
        (
            "API list (200 lines)",
            f"/api/v1/administrations/{admin.code}/statement-lines",
            {"HTTP_AUTHORIZATION": f"Bearer {key}"},
        ),
    ]
    backend = backend_pid(connection)
    for name, url, headers in requests:
        cpu, db = [], []
        for _ in range(7):
            started, started_db = time.process_time(), cpu_seconds(backend)
            response = client.get(url, **headers)
            cpu.append(time.process_time() - started)
            db.append(cpu_seconds(backend) - started_db)
            assert response.status_code == 200, (url, response.status_code)
        line = f"{statistics.median(cpu) * 1000:8.1f} ms CPU"
        if backend is not None:
            line += f" + {statistics.median(db) * 1000:.1f} ms PostgreSQL"
        print(f"{line}  {name}", flush=True)


if __name__ == "__main__":
    main()
