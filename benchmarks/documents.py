"""Benchmark: PDFs and PEPPOL UBL documents of N issued invoices with 1–20 lines each.

    .venv/bin/python benchmarks/documents.py --invoices 2000 [--workers 2]

Sets up one administration with N business customers (with VAT numbers, so PEPPOL applies)
and charges of 1–20 lines per customer, drafts and issues them, then times:

* PDF: the full document path (invoice, lines, VAT lines and sites read from the database,
  data prepared in the customer's language, EPC QR code, Typst PDF/A-3b with a reused
  compiler per process);
* UBL: the invoices read a page at a time by the e-invoicing module's batch reader
  (`for_build`: the invoice with its customer, corrected invoice and site, then its lines,
  allowances and VAT rows as plain rows), and `build(invoice, "peppol")` of
  facturo.einvoicing, which maps, runs facturo's own EN 16931 + PEPPOL validation and
  writes the XML.

`--only pdf` or `--only ubl` times one of the two.

Uses FACTURO_DATABASE_URL when set, else a fresh SQLite file under var/. Prints
`<number> pdfs/s` and `<number> ubl/s`.
"""

import argparse
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_setup import bench_administration, start_django  # noqa: E402


def setup(n: int):  # type: ignore[no-untyped-def]
    from facturo.catalog.services import create_item
    from facturo.charges.services import create_charges
    from facturo.console.demo import nl_vat_number
    from facturo.documents import services as documents
    from facturo.invoicing.drafting import draft_from_charges
    from facturo.invoicing.issuing import issue_invoices
    from facturo.invoicing.models import Invoice
    from facturo.parties.models import Customer

    ctx = bench_administration(
        "d",
        "Benchmark {code} B.V.",
        {"country": "NL", "street": "Industrieweg 12", "postal_code": "3542 AD", "city": "Utrecht",
         "vat_number": "NL123456782B01", "registration_number": "30123456", "iban": "NL91ABNA0417164300",
         "bic": "ABNANL2A", "locale": "nl"},
    )
    admin = ctx.administration
    create_item(ctx, {"code": "SRV", "names": {"nl": "Onderhoud", "en": "Service hour"}, "unit": "HUR",
                      "default_price": "65.00"})
    create_item(ctx, {"code": "MAT", "names": {"nl": "Materiaal", "en": "Materials"}, "unit": "C62",
                      "default_price": "12.35", "vat_kind": "reduced"})
    documents.update_branding(ctx, {"footer_text": "Algemene voorwaarden: zie website"})
    rng = random.Random(7)
    Customer.objects.bulk_create(
        [
            Customer(administration=admin, number=f"{i + 1:07d}", name=f"Klant {i + 1} B.V.", country="NL",
                     street=f"Dorpsstraat {i + 1}", postal_code="3511 AB", city="Utrecht",
                     vat_number=nl_vat_number(i + 1), email="facturen@example.com", language="nl")
            for i in range(n)
        ],
        batch_size=2000,
    )
    rows = []
    for i in range(n):
        number = f"{i + 1:07d}"
        for line in range(rng.randint(1, 20)):
            rows.append({
                "reference": f"{number}-{line}", "customer": number, "item": rng.choice(["SRV", "MAT"]),
                "quantity": str(rng.randint(1, 40) / 4), "period_start": "2026-11-01", "period_end": "2026-11-30",
            })
    create_charges(ctx, rows, source_kind="import")
    draft_from_charges(ctx)
    ids = list(Invoice.objects.filter(administration=admin, state="draft").order_by("id").values_list("pk", flat=True))
    result = issue_invoices(ctx, ids)
    assert not result.refused, result.refused
    return ctx, ids, len(rows)


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="processes rendering in parallel (default 2)")
    parser.add_argument("--only", choices=("pdf", "ubl"), help="time only the PDFs or only the UBL documents")
    args = parser.parse_args()

    os.environ.setdefault("FACTURO_FILES_DIR", str(Path("var").resolve() / "bench-files"))
    start_django("bench-docs")
    from django.db import connection

    n = args.invoices
    print(f"database: {connection.vendor}, invoices: {n}, workers: {args.workers}", flush=True)
    started = time.perf_counter()
    ctx, ids, lines = setup(n)
    print(f"setup: {n} issued invoices with {lines} lines ({lines / n:.1f} per invoice) in "
          f"{time.perf_counter() - started:.1f} s", flush=True)

    def pdfs(part: list[int]) -> tuple[int, float, float]:
        from facturo.documents import services
        from facturo.documents.rendering import render
        from facturo.invoicing.models import Invoice

        branding = services._branding(ctx.administration.pk)
        layouts = services.Layouts(ctx.administration.pk)
        done, data_cpu, render_cpu = 0, 0.0, 0.0
        for invoice in services.for_documents(Invoice.objects.filter(pk__in=part).order_by("id")).iterator(500):
            # The same steps as services.render_pdf, timed apart: database + data, then Typst.
            t0 = time.process_time()
            source, _ = layouts.for_invoice(invoice)
            data = services.invoice_data(invoice, branding=branding)
            t1 = time.process_time()
            pdf = render(data, source=source, administration_id=invoice.administration_id)
            t2 = time.process_time()
            assert pdf.startswith(b"%PDF-")
            done += 1
            data_cpu += t1 - t0
            render_cpu += t2 - t1
        return done, data_cpu, render_cpu

    def ubls(part: list[int]) -> tuple[int, float, float]:
        # Imported before the clock starts, as a long-lived worker has them: the e-invoice modules
        # cost ~0.1 s of CPU to import once, ~0.2 ms of each document's figure at N = 1,000.
        from facturo.documents import services
        from facturo.einvoicing.services import for_build
        from facturo.invoicing.models import Invoice

        done = 0
        cpu = time.process_time()
        for invoice in for_build(Invoice.objects.filter(pk__in=part).order_by("id")):
            xml = services.build_einvoice(invoice, "peppol", with_pdf=False)
            assert xml.startswith(b"<?xml")
            done += 1
        return done, time.process_time() - cpu, 0.0

    if args.only != "ubl":
        started = time.perf_counter()
        done, data_cpu, render_cpu = in_workers(pdfs, ids, args.workers)
        assert done == n
        elapsed = time.perf_counter() - started
        print(f"PDF: {n} documents in {elapsed:.1f} s; CPU per document: {data_cpu / n * 1000:.1f} ms database + "
              f"data (incl. QR code), {render_cpu / n * 1000:.1f} ms Typst", flush=True)
        print(f"{n / elapsed:,.0f} pdfs/s", flush=True)
    if args.only == "pdf":
        return

    started = time.perf_counter()
    done, cpu, _ = in_workers(ubls, ids, args.workers)
    assert done == n
    elapsed = time.perf_counter() - started
    print(f"UBL: {n} documents (validated) in {elapsed:.1f} s; CPU per document: {cpu / n * 1000:.2f} ms", flush=True)
    print(f"{n / elapsed:,.0f} ubl/s", flush=True)


def in_workers(job, items: list[int], workers: int) -> tuple[int, float, float]:  # type: ignore[no-untyped-def]
    """Run `job` over contiguous slices of `items` in forked processes; the sums of its results."""
    from django.db import connections

    if workers <= 1:
        return job(items)  # type: ignore[no-any-return]
    connections.close_all()
    size = -(-len(items) // workers)
    slices = [items[i : i + size] for i in range(0, len(items), size)]
    context = multiprocessing.get_context("fork")
    results = context.Queue()

    def work(part: list[int]) -> None:
        connections.close_all()
        try:
            results.put(job(part))
        finally:
            connections.close_all()

    processes = [context.Process(target=work, args=(part,)) for part in slices]
    for process in processes:
        process.start()
    parts = [results.get() for _ in processes]
    for process in processes:
        process.join()
        assert process.exitcode == 0, process.exitcode
    return (sum(p[0] for p in parts), sum(p[1] for p in parts), sum(p[2] for p in parts))


if __name__ == "__main__":
    run()
