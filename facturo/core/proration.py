"""Proration: splitting a billing period at dates and sharing its amount over the pieces.

A period is cut wherever something changes inside it (a start or end, a termination, a
suspension, an annex). Each piece gets a share of the full period: by day (its days over
the period's actual days), by month (each of the period's months weighs the same; a part
of a month counts by its days in that month), or none (the whole period at the terms of the
first active piece). Amounts are rounded cumulatively, so the pieces of one amount add up
to the rounded full amount exactly and each piece is within one minor unit of its exact
share.
"""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from .periods import Period, add_months


class Proration(StrEnum):
    DAY = "day"
    MONTH = "month"
    NONE = "none"


def split(period: Period, cuts: Iterable[date]) -> list[Period]:
    """`period` cut before each date in `cuts` that falls inside it (after its first day)."""
    starts = sorted({c for c in cuts if period.start < c <= period.end})
    pieces: list[Period] = []
    start = period.start
    for cut in starts:
        pieces.append(Period(start, cut - timedelta(days=1)))
        start = cut
    pieces.append(Period(start, period.end))
    return pieces


def _months_in(period: Period, months: int) -> list[Period]:
    """The period's months, counted from its first day (so anniversary periods work too)."""
    result = []
    for k in range(months):
        start = add_months(period.start, k)
        end = add_months(period.start, k + 1) - timedelta(days=1) if k < months - 1 else period.end
        result.append(Period(start, end))
    return result


def share(period: Period, piece: Period, rule: Proration, months: int) -> Fraction:
    """The part of the full period that `piece` (inside it) stands for."""
    inside = period.intersection(piece)
    if inside is None:
        return Fraction(0)
    if rule == Proration.DAY:
        return Fraction(inside.days, period.days)
    if rule == Proration.MONTH:
        total = Fraction(0)
        for month in _months_in(period, months):
            part = month.intersection(inside)
            if part is not None:
                total += Fraction(part.days, month.days)
        return total / months
    return Fraction(1) if inside.start == period.start else Fraction(0)


def shares(period: Period, pieces: Sequence[Period], rule: Proration, months: int) -> list[Fraction]:
    """Shares of consecutive pieces. Under `none` the first piece carries the whole period."""
    if rule == Proration.NONE:
        return [Fraction(1) if i == 0 else Fraction(0) for i in range(len(pieces))]
    return [share(period, piece, rule, months) for piece in pieces]


def _round(value: Fraction, exponent: int) -> Decimal:
    """`value` rounded half away from zero to `exponent` decimals, exactly (no float)."""
    units = abs(value) * 10**exponent
    whole = units.numerator // units.denominator
    if units - whole >= Fraction(1, 2):
        whole += 1
    result = Decimal(-whole if value < 0 else whole).scaleb(-exponent)
    return result.copy_abs() if result.is_zero() else result


def allocate(parts: Sequence[tuple[Decimal, Fraction]], exponent: int = 2) -> list[Decimal]:
    """Round each exact amount × share to `exponent` decimals so that the running total is
    always the rounded exact running total: the pieces add up, none is off by a unit or more."""
    result: list[Decimal] = []
    running = Fraction(0)
    rounded_before = Decimal(0).scaleb(-exponent)
    for amount, part in parts:
        running += Fraction(amount) * part
        rounded_now = _round(running, exponent)
        result.append(rounded_now - rounded_before)
        rounded_before = rounded_now
    return result


def prorate(
    period: Period,
    pieces: Sequence[tuple[Period, Decimal | None]],
    rule: Proration,
    months: int,
    exponent: int = 2,
) -> list[tuple[Period, Decimal, Fraction]]:
    """Billable pieces of a period: (piece, rounded amount, share). Inactive pieces take part
    in the rounding as zero and are left out of the result."""
    if rule == Proration.NONE:
        active = [(p, a) for p, a in pieces if a is not None]
        if not active:
            return []
        piece, amount = active[0]
        covering = Period(piece.start, active[-1][0].end)
        return [(covering, _round(Fraction(amount), exponent), Fraction(1))]
    fractions = shares(period, [p for p, _ in pieces], rule, months)
    amounts = allocate(
        [(a if a is not None else Decimal(0), f) for (_, a), f in zip(pieces, fractions, strict=True)], exponent
    )
    return [
        (piece, rounded, fraction)
        for (piece, amount), fraction, rounded in zip(pieces, fractions, amounts, strict=True)
        if amount is not None and fraction > 0
    ]
