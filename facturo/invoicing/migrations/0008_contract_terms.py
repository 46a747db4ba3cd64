"""A contract's payment terms and delivery channel travel on the draft invoice; the guard of
issued invoices is installed again so that it lists (and protects) the new columns."""

from django.db import migrations, models

from facturo.dbguards import install_document_guard, remove_document_guard

TABLE = "invoicing_invoice"
CHILDREN = ("invoicing_invoiceline", "invoicing_invoiceallowancecharge", "invoicing_invoicevatline")
MUTABLE = ("amount_paid", "amount_credited", "amount_written_off", "amount_open", "settlement")


def lift_guards(apps, schema_editor):
    # SQLite rebuilds the table to add a NOT NULL column, which its triggers and those naming
    # it do not survive.
    remove_document_guard(schema_editor, TABLE, CHILDREN)


def restore_guards(apps, schema_editor):
    install_document_guard(schema_editor, TABLE, MUTABLE, CHILDREN)


class Migration(migrations.Migration):

    dependencies = [
        ('invoicing', '0007_cheaper_guard'),
    ]

    operations = [
        migrations.RunPython(lift_guards, restore_guards),
        migrations.AddField(
            model_name='invoice',
            name='delivery_channel',
            field=models.CharField(blank=True, help_text="Delivery channel of the invoice's contract(s); empty = customer's", max_length=10),
        ),
        migrations.AddField(
            model_name='invoice',
            name='payment_terms_days',
            field=models.PositiveSmallIntegerField(blank=True, help_text="Payment terms of the invoice's contract(s), days after the invoice date; empty = customer's", null=True),
        ),
        migrations.RunPython(restore_guards, lift_guards),
    ]
