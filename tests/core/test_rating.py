"""Rating: hours by weekday, night, weekend and public holiday; tasks; minimum charges."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facturo.core.rating import (
    HourlyRates,
    RateClass,
    minimum_top_up,
    public_holiday,
    rate_hours,
    rate_tasks,
    split_minutes,
)

RATES = HourlyRates(weekday=Decimal("30"), night=Decimal("36"), weekend=Decimal("42"), holiday=Decimal("60"))


def never(_day: date) -> bool:
    return False


def test_an_evening_shift_splits_at_the_night_edge():
    # Tuesday 18:00 to Wednesday 02:00: 4 weekday hours, 4 night hours.
    rated = rate_hours(datetime(2026, 11, 17, 18), datetime(2026, 11, 18, 2), RATES, never)
    assert [(r.rate_class, r.hours, r.amount) for r in rated] == [
        (RateClass.WEEKDAY, Decimal("4.0000"), Decimal("120.00")),
        (RateClass.NIGHT, Decimal("4.0000"), Decimal("144.00")),
    ]


def test_friday_night_into_saturday_is_weekend_after_midnight():
    minutes = split_minutes(datetime(2026, 11, 20, 20), datetime(2026, 11, 21, 4), RATES, never)
    assert minutes == {RateClass.WEEKDAY: 120, RateClass.NIGHT: 120, RateClass.WEEKEND: 240}


@pytest.mark.parametrize(
    "country,day",
    [("NL", date(2026, 4, 27)), ("BE", date(2026, 7, 21)), ("PL", date(2026, 11, 11))],
)
def test_public_holidays_per_country(country, day):
    is_holiday = public_holiday(country)
    assert is_holiday(day)
    rated = rate_hours(
        datetime.combine(day, datetime.min.time()) + timedelta(hours=8),
        datetime.combine(day, datetime.min.time()) + timedelta(hours=16),
        RATES,
        is_holiday,
    )
    assert [(r.rate_class, r.amount) for r in rated] == [(RateClass.HOLIDAY, Decimal("480.00"))]


def test_kings_day_is_no_holiday_in_poland():
    assert not public_holiday("PL")(date(2026, 4, 27))
    with pytest.raises(ValueError):
        public_holiday("XX")


def test_minimum_charges_and_tasks():
    assert minimum_top_up(Decimal("45.00"), Decimal("75.00")) == Decimal("30.00")
    assert minimum_top_up(Decimal("95.00"), Decimal("75.00")) == Decimal("0.00")
    assert rate_tasks(Decimal(2), Decimal("17.50")) == Decimal("35.00")
    assert rate_tasks(Decimal(1), Decimal("17.50"), Decimal("25")) == Decimal("25.00")


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    st.integers(min_value=1, max_value=72 * 60),
)
def test_every_minute_of_a_shift_lands_in_exactly_one_class(start, minutes):
    start = start.replace(second=0, microsecond=0)
    split = split_minutes(start, start + timedelta(minutes=minutes), RATES, public_holiday("NL"))
    assert sum(split.values()) == minutes
