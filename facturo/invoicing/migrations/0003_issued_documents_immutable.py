from django.db import migrations

from facturo.dbguards import install_document_guard, remove_document_guard

TABLE = "invoicing_invoice"
CHILDREN = ("invoicing_invoiceline", "invoicing_invoiceallowancecharge", "invoicing_invoicevatline")
# Frozen here on purpose: the settlement columns as of this migration.
MUTABLE = ("amount_paid", "amount_credited", "amount_written_off", "amount_open", "settlement")


def forward(apps, schema_editor):
    install_document_guard(schema_editor, TABLE, MUTABLE, CHILDREN)


def backward(apps, schema_editor):
    remove_document_guard(schema_editor, TABLE, CHILDREN)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
