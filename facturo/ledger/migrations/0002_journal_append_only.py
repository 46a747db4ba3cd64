from django.db import migrations

from facturo.dbguards import install_append_only, remove_append_only

TABLES = ("ledger_journalentry", "ledger_journalline")


def forward(apps, schema_editor):
    install_append_only(schema_editor, TABLES)


def backward(apps, schema_editor):
    remove_append_only(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
