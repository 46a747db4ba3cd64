"""Billing periods: month ends, leap years, alignment, due dates."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facturo.core.periods import (
    Alignment,
    Period,
    Timing,
    add_months,
    is_due,
    months_of,
    period_containing,
    periods_between,
    whole_months,
)

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
lengths = st.sampled_from([1, 2, 3, 5, 6, 12, 24])


def test_31_january_plus_one_month_is_the_end_of_february():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    # Computed from the anchor, the day comes back where the month is long enough.
    assert add_months(date(2026, 1, 31), 2) == date(2026, 3, 31)


@pytest.mark.parametrize("day", [29, 30, 31])
def test_anniversary_periods_of_a_contract_starting_late_in_the_month_keep_its_day(day):
    anchor = date(2027, 1, day)
    got = list(periods_between(anchor, date(2028, 4, 30), 1, Alignment.ANNIVERSARY, anchor))
    assert got[0].start == anchor
    assert got[1].start == date(2027, 2, 28)  # 2027 is not a leap year
    assert got[2].start == date(2027, 3, day)
    feb_2028 = next(p for p in got if p.start.year == 2028 and p.start.month == 2)
    assert feb_2028.start == date(2028, 2, min(day, 29))  # 2028 is a leap year


def test_leap_day_anniversary_yearly():
    anchor = date(2024, 2, 29)
    assert period_containing(date(2025, 3, 1), 12, Alignment.ANNIVERSARY, anchor) == Period(
        date(2025, 2, 28), date(2026, 2, 27)
    )
    assert period_containing(date(2028, 2, 29), 12, Alignment.ANNIVERSARY, anchor).start == date(2028, 2, 29)


def test_calendar_quarters_half_years_and_years():
    assert period_containing(date(2026, 5, 15), 3, Alignment.CALENDAR, date(2020, 1, 1)) == Period(
        date(2026, 4, 1), date(2026, 6, 30)
    )
    assert period_containing(date(2026, 7, 1), 6, Alignment.CALENDAR, date(2020, 1, 1)) == Period(
        date(2026, 7, 1), date(2026, 12, 31)
    )
    assert period_containing(date(2026, 12, 31), 12, Alignment.CALENDAR, date(2020, 1, 1)).start == date(2026, 1, 1)


def test_frequencies_and_every_n_months():
    assert [months_of(f) for f in ("monthly", "quarterly", "half_yearly", "yearly")] == [1, 3, 6, 12]
    assert months_of("every_n_months", 4) == 4
    with pytest.raises(ValueError):
        months_of("every_n_months", 0)
    with pytest.raises(ValueError):
        months_of("weekly")


def test_in_advance_is_due_from_the_first_day_in_arrears_after_the_last():
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert is_due(period, Timing.ADVANCE, date(2026, 11, 1))
    assert not is_due(period, Timing.ADVANCE, date(2026, 10, 31))
    assert not is_due(period, Timing.ARREARS, date(2026, 11, 30))
    assert is_due(period, Timing.ARREARS, date(2026, 12, 1))


def test_whole_months():
    assert whole_months(date(2026, 1, 1), date(2026, 3, 31)) == 3
    assert whole_months(date(2026, 1, 15), date(2026, 2, 14)) == 1
    assert whole_months(date(2026, 1, 1), date(2026, 3, 30)) is None


@given(days, lengths, st.sampled_from(list(Alignment)), days)
def test_periods_tile_time_without_gap_or_overlap(day, months, alignment, anchor):
    period = period_containing(day, months, alignment, anchor)
    assert period.contains(day)
    following = period_containing(period.end + timedelta(days=1), months, alignment, anchor)
    assert following.start == period.end + timedelta(days=1)
    # A period spans `months` months from its start: the next one starts that many months on
    # from the anchor (anniversary) or from the calendar boundary.
    assert 28 * months - 3 <= period.days <= 31 * months


@given(days, st.integers(min_value=-240, max_value=240))
def test_add_months_keeps_the_day_or_takes_the_last(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(days=1)).day == 1)
