"""Settlement status of an invoice from its total and what settled it."""

from decimal import Decimal
from enum import StrEnum

from facturo.core.money import to_decimal


class Settlement(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CREDITED = "credited"
    WRITTEN_OFF = "written_off"


def open_amount(total: Decimal, paid: Decimal, credited: Decimal, written_off: Decimal) -> Decimal:
    """What is still to be paid: total - paid - credited - written_off."""
    return to_decimal(total) - to_decimal(paid) - to_decimal(credited) - to_decimal(written_off)


def settlement_status(total: Decimal, paid: Decimal, credited: Decimal, written_off: Decimal) -> Settlement:
    """Status of an invoice.

    With an open amount above 0: PARTIALLY_PAID when something was paid, else
    OPEN. Otherwise: WRITTEN_OFF when something was written off, else CREDITED
    when a credit (> 0) covers the whole total, else PAID (so a zero-total
    invoice is PAID).
    """
    remaining = open_amount(total, paid, credited, written_off)
    if remaining > 0:
        return Settlement.PARTIALLY_PAID if to_decimal(paid) > 0 else Settlement.OPEN
    if to_decimal(written_off) > 0:
        return Settlement.WRITTEN_OFF
    credit = to_decimal(credited)
    if credit > 0 and credit >= to_decimal(total):
        return Settlement.CREDITED
    return Settlement.PAID
