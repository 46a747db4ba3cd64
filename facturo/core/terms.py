"""Payment terms and due dates."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class TermsBasis(StrEnum):
    INVOICE_DATE = "invoice_date"
    """Due ``days`` after the invoice date."""
    END_OF_MONTH = "end_of_month"
    """Due ``days`` after the last day of the invoice month."""
    END_OF_MONTH_AFTER = "end_of_month_after"
    """Due on the last day of the month in which invoice date + ``days`` falls."""


@dataclass(frozen=True)
class PaymentTerms:
    days: int
    basis: TermsBasis = TermsBasis.INVOICE_DATE

    def __post_init__(self) -> None:
        if isinstance(self.days, bool) or not isinstance(self.days, int):
            raise TypeError(f"payment days must be an int, not {type(self.days).__name__}")
        if not 0 <= self.days <= 365:
            raise ValueError(f"payment days must be between 0 and 365, got {self.days}")
        object.__setattr__(self, "basis", TermsBasis(self.basis))


def _last_day_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due_date(invoice_date: date, terms: PaymentTerms) -> date:
    """The date by which an invoice dated ``invoice_date`` must be paid."""
    if isinstance(invoice_date, datetime) or not isinstance(invoice_date, date):
        raise TypeError(f"invoice_date must be a date, not {type(invoice_date).__name__}")
    offset = timedelta(days=terms.days)
    if terms.basis is TermsBasis.END_OF_MONTH:
        return _last_day_of_month(invoice_date) + offset
    if terms.basis is TermsBasis.END_OF_MONTH_AFTER:
        return _last_day_of_month(invoice_date + offset)
    return invoice_date + offset
