import calendar
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.core.terms import PaymentTerms, TermsBasis, due_date

PROPS = settings(max_examples=200, deadline=None, database=None)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
terms = st.builds(PaymentTerms, days=st.integers(0, 365), basis=st.sampled_from(list(TermsBasis)))


def _is_last_day(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def test_values() -> None:
    assert [b.value for b in TermsBasis] == ["invoice_date", "end_of_month", "end_of_month_after"]


@pytest.mark.parametrize(
    ("invoice", "days", "basis", "expected"),
    [
        (date(2024, 1, 31), 30, TermsBasis.INVOICE_DATE, date(2024, 3, 1)),
        (date(2024, 1, 15), 0, TermsBasis.INVOICE_DATE, date(2024, 1, 15)),
        (date(2024, 1, 15), 30, TermsBasis.END_OF_MONTH, date(2024, 3, 1)),  # Jan 31 + 30
        (date(2024, 1, 15), 0, TermsBasis.END_OF_MONTH, date(2024, 1, 31)),
        (date(2024, 1, 15), 30, TermsBasis.END_OF_MONTH_AFTER, date(2024, 2, 29)),  # Feb 14 -> 29
        (date(2023, 1, 15), 30, TermsBasis.END_OF_MONTH_AFTER, date(2023, 2, 28)),
        (date(2024, 12, 20), 14, TermsBasis.END_OF_MONTH_AFTER, date(2025, 1, 31)),
        (date(2024, 12, 20), 14, TermsBasis.END_OF_MONTH, date(2025, 1, 14)),
    ],
)
def test_due_date_examples(invoice: date, days: int, basis: TermsBasis, expected: date) -> None:
    assert due_date(invoice, PaymentTerms(days, basis)) == expected


def test_terms_validation() -> None:
    assert PaymentTerms(14).basis is TermsBasis.INVOICE_DATE
    assert PaymentTerms(14, "end_of_month").basis is TermsBasis.END_OF_MONTH  # type: ignore[arg-type]
    PaymentTerms(0)
    PaymentTerms(365)
    for bad in (-1, 366):
        with pytest.raises(ValueError):
            PaymentTerms(bad)
    with pytest.raises(TypeError):
        PaymentTerms(True)
    with pytest.raises(TypeError):
        PaymentTerms(14.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PaymentTerms(14, "someday")  # type: ignore[arg-type]


def test_datetime_rejected() -> None:
    with pytest.raises(TypeError):
        due_date(datetime(2024, 1, 1, 12, 0), PaymentTerms(14))


@PROPS
@given(invoice=dates, terms=terms)
def test_due_date_properties(invoice: date, terms: PaymentTerms) -> None:
    due = due_date(invoice, terms)
    assert due >= invoice
    if terms.basis is TermsBasis.INVOICE_DATE:
        assert due - invoice == timedelta(days=terms.days)
    elif terms.basis is TermsBasis.END_OF_MONTH_AFTER:
        assert _is_last_day(due)
        assert (due.year, due.month) == (
            (invoice + timedelta(terms.days)).year,
            (invoice + timedelta(terms.days)).month,
        )
    else:
        # END_OF_MONTH counts the days from the month's last day, so it lands on
        # a last day only for 0 days.
        month_end = due - timedelta(days=terms.days)
        assert _is_last_day(month_end)
        assert (month_end.year, month_end.month) == (invoice.year, invoice.month)
        if terms.days == 0:
            assert _is_last_day(due)
