"""facturo encryption rotate|derive-key: manage the keys of stored secrets (SMTP passwords)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from facturo.documents.services import rotate_stored_secrets
from facturo.encryption import derived_key
from facturo.errors import ValidationFailed


class Command(BaseCommand):
    help = (
        "rotate: re-encrypt every stored secret with the first key of FACTURO_ENCRYPTION_KEY (run it "
        "after putting a new key in front; then the old key can go). derive-key: print the key derived "
        "from FACTURO_SECRET_KEY, to keep it readable when the secret key changes. An operator's "
        "command, so it needs no --user."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate", "derive-key"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "derive-key":
            self.stdout.write(derived_key(settings.SECRET_KEY))
            return
        try:
            count = rotate_stored_secrets()
        except ValidationFailed as failed:
            raise CommandError(str(failed)) from None
        self.stdout.write(f"{count} stored secret(s) re-encrypted with the first key")
