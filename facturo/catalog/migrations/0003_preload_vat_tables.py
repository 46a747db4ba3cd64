from django.db import migrations

from facturo.catalog.reference import load_vat_tables


def load(apps, schema_editor):
    load_vat_tables(apps)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
