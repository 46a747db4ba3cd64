"""The index on the invoice a credit note corrects holds only the documents that correct
one: a full index took an entry for every draft and again for every issued invoice, though
every query on it (credit notes of an invoice, the PROTECT check) asks for a set value."""

import django.db.models.deletion
from django.db import migrations, models

from facturo.dbguards import install_document_guard, remove_document_guard

TABLE = "invoicing_invoice"
CHILDREN = ("invoicing_invoiceline", "invoicing_invoiceallowancecharge", "invoicing_invoicevatline")
MUTABLE = ("amount_paid", "amount_credited", "amount_written_off", "amount_open", "settlement")


def lift_guards(apps, schema_editor):
    # SQLite rebuilds the table to change the field, which its triggers and those naming it
    # do not survive.
    remove_document_guard(schema_editor, TABLE, CHILDREN)


def restore_guards(apps, schema_editor):
    install_document_guard(schema_editor, TABLE, MUTABLE, CHILDREN)


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0008_contract_terms"),
    ]

    operations = [
        migrations.RunPython(lift_guards, restore_guards),
        migrations.AlterField(
            model_name="invoice",
            name="corrects",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="credit_notes",
                to="invoicing.invoice",
            ),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=models.Q(("corrects__isnull", False)), fields=["corrects"], name="invoice_corrects_idx"
            ),
        ),
        migrations.RunPython(restore_guards, lift_guards),
    ]
