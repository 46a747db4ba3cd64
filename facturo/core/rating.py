"""Rating metered usage: hours split over weekday, night, weekend and public-holiday rates,
tasks priced per piece, and minimum charges.

A shift is cut at midnight and at the night window's edges; each piece takes one rate
class, the highest that applies: public holiday, then weekend, then night, then weekday.
Quantities are hours as Decimal with four places (minutes / 60); amounts are Decimal.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache

import holidays

HOLIDAY_COUNTRIES = ("NL", "BE", "PL")
HOURS = Decimal("0.0001")


class RateClass(StrEnum):
    WEEKDAY = "weekday"
    NIGHT = "night"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


@dataclass(frozen=True)
class HourlyRates:
    weekday: Decimal
    night: Decimal
    weekend: Decimal
    holiday: Decimal
    night_start: time = time(22, 0)
    night_end: time = time(6, 0)
    minimum: Decimal = Decimal(0)

    def rate(self, rate_class: RateClass) -> Decimal:
        return {
            RateClass.WEEKDAY: self.weekday,
            RateClass.NIGHT: self.night,
            RateClass.WEEKEND: self.weekend,
            RateClass.HOLIDAY: self.holiday,
        }[rate_class]


@dataclass(frozen=True)
class RatedHours:
    rate_class: RateClass
    hours: Decimal
    rate: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.hours * self.rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=32)
def _calendar(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def public_holiday(country: str) -> Callable[[date], bool]:
    """A test for the country's public holidays (from the `holidays` package)."""
    if country not in HOLIDAY_COUNTRIES:
        raise ValueError(f"no holiday calendar for {country!r} (known: {', '.join(HOLIDAY_COUNTRIES)})")

    def test(day: date) -> bool:
        return day in _calendar(country, day.year)

    return test


def _in_night(moment: time, rates: HourlyRates) -> bool:
    if rates.night_start <= rates.night_end:
        return rates.night_start <= moment < rates.night_end
    return moment >= rates.night_start or moment < rates.night_end


def classify(moment: datetime, rates: HourlyRates, is_holiday: Callable[[date], bool]) -> RateClass:
    if is_holiday(moment.date()):
        return RateClass.HOLIDAY
    if moment.weekday() >= 5:
        return RateClass.WEEKEND
    if _in_night(moment.time(), rates):
        return RateClass.NIGHT
    return RateClass.WEEKDAY


def split_minutes(
    start: datetime, end: datetime, rates: HourlyRates, is_holiday: Callable[[date], bool]
) -> dict[RateClass, int]:
    """Minutes of `start`..`end` per rate class; boundaries are midnight and the night edges."""
    if end <= start:
        raise ValueError("a shift must end after it starts")
    minutes: dict[RateClass, int] = {}
    moment = start
    while moment < end:
        day = moment.date()
        edges = [
            datetime.combine(day, rates.night_end),
            datetime.combine(day, rates.night_start),
            datetime.combine(day + timedelta(days=1), time(0)),
        ]
        following = min([e for e in edges if e > moment] + [end])
        rate_class = classify(moment, rates, is_holiday)
        minutes[rate_class] = minutes.get(rate_class, 0) + int((following - moment).total_seconds() // 60)
        moment = following
    return minutes


def rate_hours(
    start: datetime, end: datetime, rates: HourlyRates, is_holiday: Callable[[date], bool]
) -> list[RatedHours]:
    """Rated pieces of a shift in a fixed class order (the caller adds `minimum_top_up`)."""
    minutes = split_minutes(start, end, rates, is_holiday)
    return [
        RatedHours(c, (Decimal(minutes[c]) / 60).quantize(HOURS, rounding=ROUND_HALF_UP), rates.rate(c))
        for c in RateClass
        if minutes.get(c)
    ]


def minimum_top_up(amount: Decimal, minimum: Decimal) -> Decimal:
    """What a record worth `amount` must add to reach its minimum charge (never negative)."""
    return max(minimum - amount, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rate_tasks(count: Decimal, price: Decimal, minimum: Decimal = Decimal(0)) -> Decimal:
    """Per-task pricing with a minimum charge per record."""
    amount = (count * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return amount + minimum_top_up(amount, minimum)
