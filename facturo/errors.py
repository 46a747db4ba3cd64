"""The errors services raise; every interface maps them to its own shape (HTTP status, CLI message)."""

from django.core.exceptions import PermissionDenied

from facturo.core.errors import FieldError, ValidationFailed

__all__ = ["AccessDenied", "Conflict", "FieldError", "NotFound", "ValidationFailed"]


class AccessDenied(PermissionDenied):
    """The user has no role in the administration, or the role does not allow the action."""


class NotFound(Exception):
    """The record does not exist in the administration the caller works in."""


class Conflict(Exception):
    """The action does not fit the record's current state (e.g. editing an issued invoice)."""
