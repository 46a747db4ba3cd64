"""What every facturo command shares: who acts, in which administration, how errors and
progress are shown.

Commands stay thin: they parse arguments, resolve the acting user and administration,
call services, and turn the services' errors into clear messages and a non-zero exit."""

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from facturo.administrations.access import Context, administrations_for, context_for
from facturo.errors import AccessDenied, Conflict, NotFound, ValidationFailed

DEFAULT_USER = "admin"
USER_ENV = "FACTURO_USER"
ADMINISTRATION_ENV = "FACTURO_ADMINISTRATION"


def read_input(name: str) -> bytes:
    """The bytes of a file argument; `-` reads standard input."""
    if name == "-":
        return sys.stdin.buffer.read()
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"{name}: no such file")
    return path.read_bytes()


def parse_date(value: str) -> date:
    """argparse type for YYYY-MM-DD dates."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


class ServiceCommand(BaseCommand):
    """A command that acts as a user; `acts_in_administration` adds --administration."""

    acts_in_administration = True

    def add_arguments(self, parser: CommandParser) -> None:
        if self.acts_in_administration:
            parser.add_argument(
                "--administration",
                "-a",
                metavar="CODE",
                help=f"the administration to work in (default: ${ADMINISTRATION_ENV}, or the user's "
                "only administration)",
            )
        parser.add_argument(
            "--user",
            "-u",
            metavar="USERNAME",
            help=f"act as this user; their role decides what they may do (default: ${USER_ENV} or "
            f"{DEFAULT_USER!r})",
        )
        self.add_command_arguments(parser)

    def add_command_arguments(self, parser: CommandParser) -> None:
        """Arguments of the command itself."""

    # -- running ---------------------------------------------------------------------------

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except ValidationFailed as failed:
            for error in failed.errors:
                self.stderr.write(str(error))
            count = len(failed.errors)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} found; nothing was written", returncode=1
            ) from None
        except AccessDenied as exc:
            raise CommandError(f"access denied: {exc}", returncode=1) from None
        except NotFound as exc:
            raise CommandError(f"not found: {exc}", returncode=1) from None
        except Conflict as exc:
            raise CommandError(f"refused: {exc}", returncode=1) from None

    # -- who acts where --------------------------------------------------------------------

    def acting_user(self, options: dict[str, Any]) -> AbstractBaseUser:
        username = options.get("user") or os.environ.get(USER_ENV) or DEFAULT_USER
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(
                f"there is no user {username!r}; pass --user USERNAME (or set {USER_ENV}), "
                "create one with `facturo createsuperuser`, or run `facturo demo`"
            )
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive")
        return user

    def context(self, options: dict[str, Any]) -> Context:
        user = self.acting_user(options)
        code = options.get("administration") or os.environ.get(ADMINISTRATION_ENV)
        mine = list(administrations_for(user).order_by("code").values_list("code", flat=True))
        if not code:
            if len(mine) == 1:
                code = mine[0]
            else:
                known = ", ".join(mine) if mine else "none"
                raise CommandError(
                    f"say which administration: --administration CODE or {ADMINISTRATION_ENV} "
                    f"(user {user.get_username()!r} has: {known})"
                )
        try:
            return context_for(user, code)
        except AccessDenied:
            known = ", ".join(mine) if mine else "none"
            raise CommandError(
                f"user {user.get_username()!r} has no access to administration {code!r} "
                f"(or it does not exist); theirs: {known}"
            ) from None

    # -- output ----------------------------------------------------------------------------

    def _stderr_stream(self) -> TextIO:
        stream = getattr(self.stderr, "_out", None)
        return stream if stream is not None else sys.stderr

    @contextmanager
    def progress(
        self, total: int | None, description: str, options: dict[str, Any], unit: str = "it"
    ) -> Iterator[Callable[[int], None]]:
        """A tqdm bar on stderr (hidden when stderr is no terminal or --verbosity 0), given to
        services as their `progress` callback."""
        disable = None if options.get("verbosity", 1) > 0 else True
        bar = tqdm(
            total=total,
            desc=description,
            unit=unit,
            file=self._stderr_stream(),
            disable=disable,
            leave=False,
            dynamic_ncols=True,
        )
        try:
            yield bar.update
            if bar.total is not None and bar.n != bar.total:
                bar.total = bar.n
                bar.refresh()
        finally:
            bar.close()

    def ok(self, message: str) -> None:
        self.stdout.write(self.style.SUCCESS(message))
