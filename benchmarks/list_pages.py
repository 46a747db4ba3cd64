"""Benchmark: how fast the list screens answer on a large administration.

    FACTURO_DATABASE_URL=... .venv/bin/python benchmarks/list_pages.py [--administration CODE]

Run it on a database the invoice benchmark filled (100,000 customers and invoices in one
administration); without --administration it takes the administration with most invoices.
Prints the median time of each page over five requests, through the real views."""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGES = [
    "/customers/",
    "/customers/?page=1000",
    "/customers/?q=Customer%209999",
    "/customers/?sort=-name",
    "/invoices/",
    "/invoices/?status=open",
    "/invoices/?sort=-number&page=500",
    "/invoices/?q=2026-00999",
    "/charges/?state=invoiced",
    "/receivables/",
    "/receivables/?page=1000",
    "/",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--administration")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facturo.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from facturo.administrations.models import Administration, Membership, Role

    if args.administration:
        admin = Administration.objects.get(code=args.administration)
    else:
        admin = Administration.objects.annotate(n=Count("invoices")).order_by("-n").first()
    user, _ = get_user_model().objects.get_or_create(username="list-bench")
    Membership.objects.get_or_create(user=user, administration=admin, defaults={"role": Role.AUDITOR})
    client = Client()
    client.force_login(user)
    client.post("/switch/", {"administration": admin.pk})
    print(
        f"database: {connection.vendor}, administration: {admin.code}, "
        f"customers: {admin.customers.count():,}, invoices: {admin.invoices.count():,}"
    )
    for page in PAGES:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(page)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (page, response.status_code)
        print(f"{statistics.median(times) * 1000:8.1f} ms  {page}")


if __name__ == "__main__":
    main()
