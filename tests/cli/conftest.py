"""Helpers for the CLI tests: run a command and capture what it prints."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


class Ran:
    def __init__(self, out: str, err: str, error: CommandError | None = None) -> None:
        self.out, self.err, self.error = out, err, error

    @property
    def code(self) -> int:
        return 0 if self.error is None else self.error.returncode


def _call(*args: str) -> Ran:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return Ran(out.getvalue(), err.getvalue() + str(exc), exc)
    return Ran(out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    """Run a command that must succeed; returns what it printed."""

    def run(*args: str) -> Ran:
        result = _call(*args)
        assert result.error is None, f"{args} failed: {result.err}"
        return result

    return run


@pytest.fixture
def cli_fails():
    """Run a command that must fail with a non-zero exit; returns what it printed."""

    def run(*args: str) -> Ran:
        result = _call(*args)
        assert result.error is not None, f"{args} did not fail: {result.out}"
        assert result.code != 0
        return result

    return run
