"""SMTP passwords are kept encrypted (facturo.encryption): existing plaintext values are
encrypted into the new column in the same migration, then the plaintext column goes."""

from django.db import migrations, models


def encrypt_existing(apps, schema_editor):
    from facturo.encryption import encrypt

    DocumentSettings = apps.get_model("documents", "DocumentSettings")
    for row in DocumentSettings.objects.exclude(smtp_password="").only("pk", "smtp_password"):
        DocumentSettings.objects.filter(pk=row.pk).update(smtp_password_encrypted=encrypt(row.smtp_password))


def decrypt_back(apps, schema_editor):
    from facturo.encryption import decrypt

    DocumentSettings = apps.get_model("documents", "DocumentSettings")
    for row in DocumentSettings.objects.exclude(smtp_password_encrypted="").only("pk", "smtp_password_encrypted"):
        DocumentSettings.objects.filter(pk=row.pk).update(smtp_password=decrypt(row.smtp_password_encrypted))


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="documentsettings",
            name="smtp_password_encrypted",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(encrypt_existing, decrypt_back),
        migrations.RemoveField(model_name="documentsettings", name="smtp_password"),
    ]
