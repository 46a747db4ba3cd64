"""Invoice number patterns and fiscal years."""

import calendar
import functools
from datetime import date, timedelta
from string import Formatter

_FIELDS = ("year", "seq", "series")


def validate_pattern(pattern: str) -> None:
    """Raise ``ValueError`` naming the problem when ``pattern`` is not usable.

    A pattern is a Python format string using only the fields ``{year}``,
    ``{seq}`` (required) and ``{series}``, each with an optional format spec
    such as ``{seq:06d}``; no conversions (``!r``), attribute or index access,
    positional or nested fields.
    """
    if not isinstance(pattern, str):
        raise TypeError(f"number pattern must be a str, not {type(pattern).__name__}")
    if not pattern.strip():
        raise ValueError("number pattern is empty")
    try:
        parsed = list(Formatter().parse(pattern))
    except ValueError as exc:
        raise ValueError(f"number pattern {pattern!r} is malformed: {exc}") from None
    allowed = ", ".join(f"{{{name}}}" for name in _FIELDS)
    seen: set[str] = set()
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field == "" or field.isdigit():
            raise ValueError(f"number pattern {pattern!r} has a positional field; use {allowed}")
        if field not in _FIELDS:
            raise ValueError(f"number pattern {pattern!r} has unknown field {{{field}}}; allowed fields are {allowed}")
        if conversion:
            raise ValueError(f"number pattern {pattern!r}: conversion !{conversion} is not allowed in {{{field}}}")
        if spec and ("{" in spec or "}" in spec):
            raise ValueError(f"number pattern {pattern!r}: nested field in the format spec of {{{field}}}")
        seen.add(field)
    if "seq" not in seen:
        raise ValueError(f"number pattern {pattern!r} must contain {{seq}}")
    try:
        first = pattern.format(year=2000, seq=1, series="A")
        second = pattern.format(year=2000, seq=2, series="A")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"number pattern {pattern!r} has a bad format spec: {exc}") from None
    if first == second:
        raise ValueError(f"number pattern {pattern!r} does not show the sequence number")


@functools.lru_cache(maxsize=64)
def _validated(pattern: str) -> None:
    # Issuing formats thousands of numbers with the same few patterns.
    validate_pattern(pattern)


def format_number(pattern: str, *, year: int, seq: int, series: str = "") -> str:
    """Render an invoice number, e.g. ``format_number("{year}-{seq:04d}", year=2025,
    seq=7)`` is ``"2025-0007"``."""
    _validated(pattern)
    for name, value in (("year", year), ("seq", seq)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 1 <= year <= 9999:
        raise ValueError(f"year must be between 1 and 9999, got {year}")
    if seq < 0:
        raise ValueError(f"seq must not be negative, got {seq}")
    if not isinstance(series, str):
        raise TypeError(f"series must be a str, not {type(series).__name__}")
    return pattern.format(year=year, seq=seq, series=series)


def _check_start(start_month: int, start_day: int) -> None:
    if not 1 <= start_month <= 12:
        raise ValueError(f"fiscal year start month must be 1 to 12, got {start_month}")
    # The start must exist every year, so 29 February is not allowed.
    last = calendar.monthrange(2001, start_month)[1]
    if not 1 <= start_day <= last:
        raise ValueError(f"fiscal year start day must be 1 to {last} for month {start_month}, got {start_day}")


def fiscal_year(on: date, start_month: int = 1, start_day: int = 1) -> int:
    """The fiscal year containing ``on``, named by the calendar year it starts in."""
    _check_start(start_month, start_day)
    if (on.month, on.day) >= (start_month, start_day):
        return on.year
    return on.year - 1


def fiscal_year_bounds(year: int, start_month: int = 1, start_day: int = 1) -> tuple[date, date]:
    """First and last day (both inclusive) of the fiscal year starting in ``year``."""
    _check_start(start_month, start_day)
    start = date(year, start_month, start_day)
    end = date(year + 1, start_month, start_day) - timedelta(days=1)
    return start, end
