"""The VAT rates and exemption texts facturo ships as data (facturo/catalog/data/*.csv)."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps as installed_apps

DATA = Path(__file__).resolve().parent / "data"


def load_vat_tables(apps: Any = installed_apps) -> None:
    """Load the shipped tables; running it again changes nothing. `apps` is the migration's
    historical registry when called from a migration."""
    VatRate = apps.get_model("catalog", "VatRate")
    VatExemption = apps.get_model("catalog", "VatExemption")
    with open(DATA / "vat_rates.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            VatRate.objects.update_or_create(
                country=row["country"],
                kind=row["kind"],
                valid_from=date.fromisoformat(row["valid_from"]),
                defaults={
                    "category": row["category"],
                    "rate": Decimal(row["rate"]),
                    "valid_to": date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                },
            )
    with open(DATA / "vat_exemptions.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            VatExemption.objects.update_or_create(
                code=row["code"], language=row["language"], defaults={"category": row["category"], "text": row["text"]}
            )


def ensure_vat_tables() -> None:
    """Reload the tables where a flush (tests, `facturo flush`) emptied them."""
    if not installed_apps.get_model("catalog", "VatRate").objects.exists():
        load_vat_tables()
