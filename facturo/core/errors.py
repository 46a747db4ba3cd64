"""Validation errors raised by services across the project."""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class FieldError:
    """A problem with one input field; ``path`` is e.g. ``"lines.0.quantity"``
    (empty for errors about the whole object)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ValidationFailed(Exception):
    """Raised with one or more :class:`FieldError` items."""

    errors: list[FieldError]

    def __init__(self, errors: Iterable[FieldError] | FieldError) -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__(self.errors)

    def __str__(self) -> str:
        if not self.errors:
            return "validation failed"
        return "\n".join(str(error) for error in self.errors)
