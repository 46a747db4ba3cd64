"""Billing periods: frequencies, calendar or anniversary alignment, in advance or in arrears.

A period is always a whole number of months (1, 3, 6, 12 or any N). Anniversary periods
start on the anchor's day of month, computed from the anchor every time (31 January + 1
month is 28 or 29 February, + 2 months is 31 March again), so month ends never drift.
Calendar periods start on the first of a month whose index since year 0 is a multiple of N:
for N dividing 12 these are the calendar months, quarters, half-years and years.
"""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache


class Alignment(StrEnum):
    CALENDAR = "calendar"
    ANNIVERSARY = "anniversary"


class Timing(StrEnum):
    ADVANCE = "advance"
    ARREARS = "arrears"


FREQUENCIES: dict[str, int] = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
MAX_MONTHS = 120


@dataclass(frozen=True, order=True)
class Period:
    """A closed range of days, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlaps(self, other: "Period") -> bool:
        return self.start <= other.end and other.start <= self.end

    def intersection(self, other: "Period") -> "Period | None":
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Period(start, end) if start <= end else None

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


# A run computes the same few periods for every contract (they share anchors and run
# dates): both functions are pure, so their results are kept.
@lru_cache(maxsize=65536)
def add_months(anchor: date, months: int) -> date:
    """`anchor` moved by whole months; a day past the month's end becomes its last day."""
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor.day, last))


def months_of(frequency: str, every: int | None = None) -> int:
    """The length in months of a named frequency, or of `every_n_months`."""
    if frequency == "every_n_months":
        if every is None or not 1 <= every <= MAX_MONTHS:
            raise ValueError(f"every N months needs N between 1 and {MAX_MONTHS}")
        return every
    try:
        return FREQUENCIES[frequency]
    except KeyError:
        raise ValueError(f"unknown frequency {frequency!r}") from None


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


@lru_cache(maxsize=65536)
def period_containing(day: date, months: int, alignment: Alignment, anchor: date) -> Period:
    """The billing period of `months` months that holds `day`."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"a period is 1 to {MAX_MONTHS} months, not {months}")
    if alignment == Alignment.CALENDAR:
        index = _month_index(day)
        first = index - index % months
        start = date(first // 12, first % 12 + 1, 1)
        return Period(start, add_months(start, months) - timedelta(days=1))
    # Anniversary: the k-th period starts at add_months(anchor, k * months).
    k = (_month_index(day) - _month_index(anchor)) // months
    while add_months(anchor, k * months) > day:
        k -= 1
    while add_months(anchor, (k + 1) * months) <= day:
        k += 1
    start = add_months(anchor, k * months)
    return Period(start, add_months(anchor, (k + 1) * months) - timedelta(days=1))


def periods_between(first: date, last: date, months: int, alignment: Alignment, anchor: date) -> Iterator[Period]:
    """Every period that overlaps the days `first`..`last`, in order."""
    day = first
    while day <= last:
        period = period_containing(day, months, alignment, anchor)
        yield period
        day = period.end + timedelta(days=1)


def is_due(period: Period, timing: Timing, run_date: date) -> bool:
    """In advance a period is billed once it has started; in arrears once it has ended."""
    if timing == Timing.ADVANCE:
        return period.start <= run_date
    return period.end < run_date


def whole_months(start: date, end: date) -> int | None:
    """How many whole months `start`..`end` (both included) spans, or None if not whole."""
    months = _month_index(end) - _month_index(start)
    for n in (months - 1, months, months + 1):
        if n >= 1 and add_months(start, n) - timedelta(days=1) == end:
            return n
    return None
