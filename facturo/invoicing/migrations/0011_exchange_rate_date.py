"""A foreign-currency invoice keeps the date of the rate it was converted at: the PDF states it
beside the VAT total in the administration's currency. The guard of issued invoices is
installed again so that it protects the new column."""

from django.db import migrations, models

from facturo.dbguards import install_document_guard, remove_document_guard

TABLE = "invoicing_invoice"
CHILDREN = ("invoicing_invoiceline", "invoicing_invoiceallowancecharge", "invoicing_invoicevatline")
MUTABLE = ("amount_paid", "amount_credited", "amount_written_off", "amount_open", "settlement")


def lift_guards(apps, schema_editor):
    # SQLite rebuilds the table to add columns, which its triggers do not survive.
    remove_document_guard(schema_editor, TABLE, CHILDREN)


def restore_guards(apps, schema_editor):
    install_document_guard(schema_editor, TABLE, MUTABLE, CHILDREN)


def date_the_rates(apps, schema_editor):
    """Invoices issued before: the date of the rate they were converted at, where the rate of
    their issue date (or the last before it) is still the one they carry."""
    invoice_model = apps.get_model("invoicing", "Invoice")
    rate_model = apps.get_model("invoicing", "ExchangeRate")
    for invoice in invoice_model.objects.filter(exchange_rate__isnull=False, issue_date__isnull=False):
        found = (
            rate_model.objects.filter(
                administration_id=invoice.administration_id,
                currency=invoice.currency,
                rate_date__lte=invoice.issue_date,
            )
            .order_by("-rate_date")
            .first()
        )
        if found is not None and found.rate == invoice.exchange_rate:
            invoice_model.objects.filter(pk=invoice.pk).update(exchange_rate_date=found.rate_date)


class Migration(migrations.Migration):

    dependencies = [
        ("invoicing", "0010_foreign_currency_vat"),
    ]

    operations = [
        migrations.RunPython(lift_guards, restore_guards),
        migrations.AddField(
            model_name="invoice",
            name="exchange_rate_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(date_the_rates, migrations.RunPython.noop),
        migrations.RunPython(restore_guards, lift_guards),
    ]
