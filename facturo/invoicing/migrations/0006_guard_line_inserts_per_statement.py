from django.db import migrations

from facturo.dbguards import install_document_guard

TABLE = "invoicing_invoice"
CHILDREN = ("invoicing_invoiceline", "invoicing_invoiceallowancecharge", "invoicing_invoicevatline")
MUTABLE = ("amount_paid", "amount_credited", "amount_written_off", "amount_open", "settlement")


def forward(apps, schema_editor):
    # On PostgreSQL, lines added to an issued document are now refused per statement.
    install_document_guard(schema_editor, TABLE, MUTABLE, CHILDREN)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0005_alter_invoice_administration_and_more")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
