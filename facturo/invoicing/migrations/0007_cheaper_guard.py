from django.db import migrations

from facturo.dbguards import install_document_guard

TABLE = "invoicing_invoice"
CHILDREN = ("invoicing_invoiceline", "invoicing_invoiceallowancecharge", "invoicing_invoicevatline")
MUTABLE = ("amount_paid", "amount_credited", "amount_written_off", "amount_open", "settlement")


def forward(apps, schema_editor):
    # The guard of issued invoices lists the guarded columns instead of comparing to_jsonb of
    # whole rows (snapshots included) on every settlement update: an update of settlement
    # columns alone no longer fires it.
    install_document_guard(schema_editor, TABLE, MUTABLE, CHILDREN)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0006_guard_line_inserts_per_statement")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
