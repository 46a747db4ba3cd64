import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    VatRate = apps.get_model("catalog", "VatRate")
    VatExemption = apps.get_model("catalog", "VatExemption")
    with open(DATA / "vat_rates.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            VatRate.objects.update_or_create(
                country=row["country"], kind=row["kind"], valid_from=date.fromisoformat(row["valid_from"]),
                defaults={
                    "category": row["category"], "rate": Decimal(row["rate"]),
                    "valid_to": date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                },
            )
    with open(DATA / "vat_exemptions.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            VatExemption.objects.update_or_create(
                code=row["code"], language=row["language"], defaults={"category": row["category"], "text": row["text"]}
            )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
