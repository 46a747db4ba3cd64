"""Finding things while reconciling: open items across the administration for a statement line,
and the lines waiting to be reconciled, filtered.

Both read queries only; they take untrusted input (a form, API query parameters, CLI options)
through a Reader, so a bad value is refused with the name of its field."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet

from facturo.administrations.access import Action, Context
from facturo.core.matching import reference_key
from facturo.inputs import Reader
from facturo.invoicing.models import Invoice, InvoiceState

from .models import LineState, StatementLine

MAX_RESULTS = 100
_AMOUNT = re.compile(
    r"-?\d{1,3}(?:[ .]\d{3})*(?:,\d{1,2})?"  # 1.210,50
    r"|-?\d{1,3}(?:[ ,]\d{3})*(?:\.\d{1,2})?"  # 1,210.50
    r"|-?\d+(?:[.,]\d{1,2})?"  # 1210.5
)


def amount_in(text: str) -> Decimal | None:
    """The amount a clerk typed, in either notation: ``1.210,50``, ``1,210.50``, ``1210.5``;
    None when the text is not an amount (an invoice number of digits is also an amount here,
    which only widens the search)."""
    value = text.strip()
    if not _AMOUNT.fullmatch(value):
        return None
    last_comma, last_dot = value.rfind(","), value.rfind(".")
    decimal_mark = "," if last_comma > last_dot else "."
    # Only a mark followed by one or two digits is the decimal mark; otherwise it groups thousands.
    if len(value) - max(last_comma, last_dot) - 1 > 2:
        decimal_mark = ""
    digits = "".join(ch for ch in value if ch.isdigit() or ch == "-" or ch == decimal_mark)
    try:
        return Decimal(digits.replace(",", ".")) if digits else None
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class OpenItemQuery:
    """What a clerk searches open items by. `text` is one box for everything: an invoice number
    (its beginning), a customer's name (any part) or number, a payment reference (with or without
    its separators) or an amount (what is open or the invoice's total)."""

    text: str = ""
    customer: str = ""
    amount: Decimal | None = None
    currency: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.customer or self.amount is not None)


def read_open_item_query(data: Mapping[str, Any]) -> OpenItemQuery:
    reader = Reader(data)
    text = reader.text("q", max_length=100)
    customer = reader.text("customer", max_length=100)
    amount = reader.decimal("amount", places=2, whole_digits=14)
    currency = reader.text("currency", max_length=3).upper()
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        reader.error("currency", f"{currency!r} is not an ISO 4217 code")
    reader.raise_if_errors()
    return OpenItemQuery(text=text, customer=customer, amount=amount, currency=currency)


def _customer_condition(text: str) -> Q:
    return Q(customer__name__icontains=text) | Q(customer__number__iexact=text)


def search_open_items(ctx: Context, query: OpenItemQuery, limit: int = 20) -> list[Invoice]:
    """Issued invoices and credit notes with something open, of any customer, that fit every
    part of the query; the oldest due first. An empty query finds nothing: the screen asks."""
    ctx.require(Action.VIEW)
    if query.is_empty:
        return []
    items = Invoice.objects.filter(administration=ctx.administration, state=InvoiceState.ISSUED).exclude(amount_open=0)
    if query.currency:
        items = items.filter(currency=query.currency)
    if query.text:
        text = query.text
        condition = Q(number__istartswith=text) | _customer_condition(text) | Q(payment_reference__iexact=text)
        key = reference_key(text)
        if len(key) >= 6 and key != text.upper():
            # "+++202/6000/00192+++" typed with its separators, stored as the bank writes it.
            condition |= Q(payment_reference__icontains=key) | Q(payment_reference__iexact=key)
        if len(key) >= 4:
            condition |= Q(payment_reference__icontains=text)
        amount = amount_in(text)
        if amount is not None:
            condition |= Q(amount_open=abs(amount)) | Q(tax_inclusive=abs(amount))
        items = items.filter(condition)
    if query.customer:
        items = items.filter(_customer_condition(query.customer))
    if query.amount is not None:
        items = items.filter(Q(amount_open=abs(query.amount)) | Q(tax_inclusive=abs(query.amount)))
    return list(items.select_related("customer").order_by("due_date", "id")[: min(limit, MAX_RESULTS)])


@dataclass(frozen=True)
class LineFilter:
    """A filter on the lines to reconcile. `amount` matches money in and out alike;
    `counterparty` is part of the name or of the IBAN (spaces ignored); `text` is part of the
    description, the structured reference or the end-to-end id."""

    date_from: date | None = None
    date_to: date | None = None
    amount: Decimal | None = None
    counterparty: str = ""
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return self == LineFilter()


def read_line_filter(data: Mapping[str, Any]) -> LineFilter:
    reader = Reader(data)
    date_from = reader.date("date_from")
    date_to = reader.date("date_to")
    amount = reader.decimal("amount", places=2, whole_digits=14)
    counterparty = reader.text("counterparty", max_length=140)
    text = reader.text("text", max_length=140)
    if date_from and date_to and date_to < date_from:
        reader.error("date_to", f"{date_to} is before the start date {date_from}")
    reader.raise_if_errors()
    return LineFilter(date_from, date_to, amount, counterparty, text)


def filter_open_lines(ctx: Context, line_filter: LineFilter) -> QuerySet[StatementLine]:
    """Lines waiting to be reconciled that pass the filter, oldest first."""
    ctx.require(Action.VIEW)
    lines = StatementLine.objects.filter(administration=ctx.administration, state=LineState.UNMATCHED)
    if line_filter.date_from:
        lines = lines.filter(booking_date__gte=line_filter.date_from)
    if line_filter.date_to:
        lines = lines.filter(booking_date__lte=line_filter.date_to)
    if line_filter.amount is not None:
        lines = lines.filter(amount__in=[abs(line_filter.amount), -abs(line_filter.amount)])
    if line_filter.counterparty:
        who = line_filter.counterparty
        iban = "".join(who.split()).upper()
        lines = lines.filter(Q(counterparty_name__icontains=who) | Q(counterparty_iban__icontains=iban))
    if line_filter.text:
        text = line_filter.text
        condition = Q(remittance__icontains=text) | Q(structured_reference__icontains=text)
        condition |= Q(end_to_end_id__icontains=text)
        key = reference_key(text)
        if key and key != text.upper():
            condition |= Q(structured_reference__icontains=key)
        lines = lines.filter(condition)
    return lines.select_related("statement__bank_account").order_by("booking_date", "id")
