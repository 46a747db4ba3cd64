from django.db import migrations

from facturo.dbguards import install_document_guard

TABLE = "invoicing_invoice"
CHILDREN = ("invoicing_invoiceline", "invoicing_invoiceallowancecharge", "invoicing_invoicevatline")
MUTABLE = ("amount_paid", "amount_credited", "amount_written_off", "amount_open", "settlement")


def forward(apps, schema_editor):
    # Recreates the guards; on PostgreSQL the trigger now fires only for issued rows.
    install_document_guard(schema_editor, TABLE, MUTABLE, CHILDREN)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0003_issued_documents_immutable")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
