"""Proration: pieces of a period add up to the full period's amount."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from facturo.core.periods import Alignment, Period, period_containing
from facturo.core.proration import Proration, allocate, prorate, share, split

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
cent = Decimal("0.01")


def test_by_day_uses_the_actual_days_of_the_period():
    february = Period(date(2028, 2, 1), date(2028, 2, 29))
    assert share(february, Period(date(2028, 2, 15), date(2028, 2, 29)), Proration.DAY, 1) == Fraction(15, 29)


def test_by_month_weighs_each_month_the_same():
    quarter = Period(date(2026, 1, 1), date(2026, 3, 31))
    assert share(quarter, Period(date(2026, 2, 1), date(2026, 3, 31)), Proration.MONTH, 3) == Fraction(2, 3)
    half_feb = share(quarter, Period(date(2026, 2, 15), date(2026, 2, 28)), Proration.MONTH, 3)
    assert half_feb == Fraction(14, 28) / 3


def test_termination_mid_quarter_by_day():
    quarter = Period(date(2026, 1, 1), date(2026, 3, 31))
    pieces = split(quarter, [date(2026, 2, 15)])
    billed = prorate(quarter, [(pieces[0], Decimal("900.00")), (pieces[1], None)], Proration.DAY, 3)
    assert billed == [(Period(date(2026, 1, 1), date(2026, 2, 14)), Decimal("450.00"), Fraction(45, 90))]


def test_no_proration_bills_the_full_period_at_the_first_terms():
    month = Period(date(2026, 1, 1), date(2026, 1, 31))
    pieces = split(month, [date(2026, 1, 15)])
    billed = prorate(month, [(pieces[0], Decimal("100")), (pieces[1], Decimal("120"))], Proration.NONE, 1)
    assert billed == [(month, Decimal("100.00"), Fraction(1))]


def test_annex_inside_the_period_bills_each_piece_at_its_price():
    month = Period(date(2026, 12, 1), date(2026, 12, 31))
    pieces = split(month, [date(2026, 12, 15)])
    billed = prorate(month, [(pieces[0], Decimal("310")), (pieces[1], Decimal("620"))], Proration.DAY, 1)
    assert [a for _, a, _ in billed] == [Decimal("140.00"), Decimal("340.00")]


@st.composite
def period_and_cuts(draw):
    months = draw(st.sampled_from([1, 3, 6, 12]))
    alignment = draw(st.sampled_from(list(Alignment)))
    period = period_containing(draw(days), months, alignment, draw(days))
    cuts = draw(st.lists(st.integers(min_value=1, max_value=period.days - 1), max_size=6)) if period.days > 1 else []
    return months, period, [period.start + timedelta(days=c) for c in cuts]


@given(period_and_cuts(), amounts, st.sampled_from([Proration.DAY, Proration.MONTH]))
def test_pieces_add_up_to_the_full_period(data, amount, rule):
    months, period, cuts = data
    pieces = split(period, cuts)
    assert pieces[0].start == period.start and pieces[-1].end == period.end
    assert all(a.end + timedelta(days=1) == b.start for a, b in zip(pieces, pieces[1:], strict=False))
    fractions = [share(period, p, rule, months) for p in pieces]
    assert sum(fractions) == 1
    allocated = allocate([(amount, f) for f in fractions])
    assert sum(allocated) == amount
    for piece_amount, fraction in zip(allocated, fractions, strict=True):
        assert abs(piece_amount - amount * Decimal(fraction.numerator) / Decimal(fraction.denominator)) <= cent


@given(period_and_cuts(), st.lists(amounts, min_size=7, max_size=7), st.sampled_from([Proration.DAY, Proration.MONTH]))
def test_pieces_at_different_prices_are_each_within_one_minor_unit(data, prices, rule):
    months, period, cuts = data
    pieces = split(period, cuts)
    billed = prorate(period, list(zip(pieces, prices, strict=False)), rule, months)
    exact = sum(Fraction(p) * share(period, piece, rule, months) for piece, p in zip(pieces, prices, strict=False))
    total = sum(a for _, a, _ in billed)
    assert abs(Fraction(total) - exact) <= Fraction(1, 200)
    assert len(billed) <= len(pieces)
