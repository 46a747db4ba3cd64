"""The ledger stays in the administration's currency: a line converted from another currency
keeps the amount and currency it was converted from. An account role for exchange differences.
The append-only guards are lifted around the change and installed again."""

from django.db import migrations, models

from facturo.dbguards import install_append_only, remove_append_only

TABLES = ("ledger_journalentry", "ledger_journalline")


def lift_guards(apps, schema_editor):
    # SQLite rebuilds a table to change it, and the table's triggers go with the old one.
    remove_append_only(schema_editor, TABLES)


def restore_guards(apps, schema_editor):
    install_append_only(schema_editor, TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0003_alter_journalentry_administration_and_more"),
    ]

    operations = [
        migrations.RunPython(lift_guards, restore_guards),
        migrations.AddField(
            model_name="journalline",
            name="amount_currency",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True),
        ),
        migrations.AddField(
            model_name="journalline",
            name="currency",
            field=models.CharField(blank=True, max_length=3),
        ),
        migrations.AlterField(
            model_name="account",
            name="role",
            field=models.CharField(
                blank=True,
                choices=[
                    ("receivables", "Receivables"),
                    ("revenue", "Revenue"),
                    ("vat_payable", "VAT payable"),
                    ("bank", "Bank"),
                    ("suspense", "Suspense"),
                    ("write_off", "Write-offs"),
                    ("rounding", "Rounding differences"),
                    ("exchange_difference", "Exchange differences"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(restore_guards, lift_guards),
    ]
