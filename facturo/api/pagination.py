"""Cursor pagination: newest first (by -id), `?limit=` and an opaque `?cursor=`; never a COUNT."""

import base64
import binascii
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import QuerySet
from ninja import Schema

from facturo.core.errors import FieldError, ValidationFailed

MAX_LIMIT = 500
T = TypeVar("T")


class Page(Schema, Generic[T]):
    data: list[T]
    next_cursor: str | None


def default_limit() -> int:
    return min(MAX_LIMIT, max(1, int(getattr(settings, "FACTURO_PAGE_SIZE", 50))))


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind != "id" or not value.isdigit():
            raise ValueError(cursor)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed([FieldError("query.cursor", "is not a cursor this API handed out")]) from None


def paginate(
    query: QuerySet[Any], limit: int | None, cursor: str | None, serialize: Callable[[Any], Any]
) -> dict[str, Any]:
    """One page of `query` ordered by -id, after the row the cursor points at."""
    size = default_limit() if limit is None else limit
    if not 1 <= size <= MAX_LIMIT:
        raise ValidationFailed([FieldError("query.limit", f"must be between 1 and {MAX_LIMIT}")])
    query = query.order_by("-id")
    if cursor:
        query = query.filter(id__lt=decode_cursor(cursor))
    rows = list(query[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return {
        "data": [serialize(row) for row in rows],
        "next_cursor": encode_cursor(rows[-1].pk) if more and rows else None,
    }
