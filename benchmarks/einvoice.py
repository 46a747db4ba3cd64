"""Benchmark: PEPPOL BIS 3.0 UBL of N issued invoices of 1–20 lines, with facturo's own
pre-send validation, through the same `facturo.einvoicing.services.build` the delivery uses.

    .venv/bin/python benchmarks/einvoice.py --invoices 2000

Uses FACTURO_DATABASE_URL when set, else a fresh SQLite file under var/. Prints:
- `<n> ubl/s` end to end: fetch the issued invoices (prefetched in pages), map, validate, write;
- `<n> ubl/s (model → validated XML)`: the validator and writer alone on documents already mapped;
- the validator alone, and the mean time of one build + validate;
each with the CPU time per document of this process (the figure to compare on a shared machine).
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_setup import bench_administration, start_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--page", type=int, default=500, help="invoices fetched per query page")
    args = parser.parse_args()

    start_django("bench-einvoice")
    from django.db import connection

    from facturo.catalog.services import create_item
    from facturo.charges.services import create_charges
    from facturo.einvoicing import services
    from facturo.einvoicing.mapping import to_document
    from facturo.formats.einvoice.rules import validate
    from facturo.formats.einvoice.ubl import write_ubl
    from facturo.invoicing.drafting import draft_from_charges
    from facturo.invoicing.issuing import issue_invoices
    from facturo.invoicing.models import Invoice
    from facturo.parties.models import Customer

    n = args.invoices
    rng = random.Random(7)
    ctx = bench_administration("e", "Benchmark {code} B.V.", {
        "country": "NL", "street": "Industrieweg 12",
        "postal_code": "3542 AD", "city": "Utrecht", "vat_number": "NL123456782B01", "registration_number": "30123456",
        "iban": "NL91ABNA0417164300", "bic": "ABNANL2A",
    })
    admin = ctx.administration
    create_item(ctx, {"code": "SRV", "names": {"en": "Service hour"}, "unit": "HUR", "default_price": "65.00"})
    create_item(ctx, {"code": "MAT", "names": {"en": "Materials"}, "unit": "C62", "default_price": "12.35",
                      "vat_kind": "reduced"})
    create_item(ctx, {"code": "TRN", "names": {"en": "Training day"}, "unit": "DAY", "default_price": "395.00",
                      "vat_category": "E", "vat_kind": "none"})
    print(f"database: {connection.vendor}, invoices: {n} of 1–20 lines", flush=True)

    Customer.objects.bulk_create(
        [
            Customer(administration=admin, number=f"{i + 1:07d}", name=f"Customer {i + 1} B.V.", country="NL",
                     street=f"Dorpsstraat {i % 200 + 1}", postal_code="3511 AB", city="Utrecht",
                     vat_number="NL004495445B01", registration_number=f"{30_000_000 + i:08d}",
                     peppol_scheme="0106", peppol_id=f"{30_000_000 + i:08d}", language="nl")
            for i in range(n)
        ],
        batch_size=2000,
    )  # fmt: skip
    rows = []
    lines = 0
    for i in range(n):
        number = f"{i + 1:07d}"
        for j in range(rng.randint(1, 20)):
            lines += 1
            rows.append({
                "reference": f"{number}-{j}", "customer": number, "item": rng.choice(["SRV", "SRV", "MAT", "TRN"]),
                "quantity": str(rng.randint(1, 40) / 4), "service_date": "2026-11-02",
                "discount_percent": rng.choice(["", "", "5", "10"]),
            })  # fmt: skip
    for start in range(0, len(rows), 20_000):
        create_charges(ctx, rows[start : start + 20_000], source_kind="import")
    draft_from_charges(ctx)
    ids = list(Invoice.objects.filter(administration=admin).values_list("pk", flat=True))
    result = issue_invoices(ctx, ids)
    assert not result.refused, result.refused
    print(f"setup done: {len(ids)} invoices, {lines} lines", flush=True)

    def pages():
        for start in range(0, len(ids), args.page):
            yield list(services.for_build(Invoice.objects.filter(pk__in=ids[start : start + args.page])))

    started, cpu = time.perf_counter(), time.process_time()
    count = size = 0
    for page in pages():
        for invoice in page:
            size += len(services.build(invoice, "peppol"))
            count += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{count / elapsed:,.0f} ubl/s (fetch + map + validate + write, {elapsed:.2f} s, "
          f"{size / count / 1024:.1f} KiB each; CPU {cpu / count * 1e6:,.0f} µs per document)", flush=True)

    documents = [to_document(invoice) for page in pages() for invoice in page]
    started, cpu = time.perf_counter(), time.process_time()
    for document in documents:
        assert not validate(document, "peppol")
        write_ubl(document)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{len(documents) / elapsed:,.0f} ubl/s (model → validated XML; "
          f"{elapsed / len(documents) * 1e6:,.0f} µs per document, CPU {cpu / len(documents) * 1e6:,.0f} µs)",
          flush=True)
    cpu = time.process_time()
    for document in documents:
        validate(document, "peppol")
    cpu = time.process_time() - cpu
    print(f"validation alone: CPU {cpu / len(documents) * 1e6:,.0f} µs per document", flush=True)


if __name__ == "__main__":
    main()
