"""facturo create-token USERNAME: an API bearer token for a user, shown once."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from facturo.api.services import create_token
from facturo.console.base import ServiceCommand


class Command(ServiceCommand):
    help = (
        "Create an API token for a user. The token acts with that user's roles. Its key is printed "
        "once and not stored (only its hash is), so copy it now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", metavar="USERNAME", help="the user the token acts as")
        parser.add_argument("--name", help="what the token is for, e.g. 'bookkeeping sync'")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"there is no user {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive")
        name = options["name"] or f"cli {timezone.localtime():%Y-%m-%d %H:%M}"
        token, key = create_token(user, name)
        self.stderr.write(f"token {token.name!r} for {username} (prefix {token.prefix}); copy the key now:")
        self.stdout.write(key)
