"""Exchange rates and the VAT total of foreign-currency invoices in the administration's
currency (EN 16931 BT-6 / BT-111, KSeF's P_14_xW and KursWaluty).

A rate says how many units of the administration's currency one unit of another currency is
worth from its date on. Issuing converts with the rate of the issue date or the last one
before it, and refuses an invoice for which there is none, naming currency and date. A credit
note takes the rate of the invoice it corrects."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from facturo.administrations.access import Action, Context
from facturo.administrations.models import Administration
from facturo.core.money import quantize
from facturo.errors import FieldError, ValidationFailed
from facturo.formats.einvoice.codes import CURRENCIES
from facturo.inputs import Reader, raise_all, read_csv_rows

from .models import ExchangeRate

CSV_COLUMNS = ("currency", "date", "rate", "source")
REQUIRED_CSV_COLUMNS = ("currency", "date", "rate")
RATE_PLACES = 8


def _read_rate(reader: Reader, admin: Administration) -> dict[str, Any]:
    currency = reader.text("currency", required=True, max_length=3).upper()
    if currency and currency not in CURRENCIES:
        reader.error("currency", f"{currency!r} is not an ISO 4217 currency code")
    elif currency and currency == admin.currency:
        reader.error("currency", f"{currency} is the administration's own currency: it needs no rate")
    rate = reader.decimal("rate", required=True, min_value=Decimal("0.00000001"), places=RATE_PLACES)
    return {
        "currency": currency,
        "rate_date": reader.date("date", required=True),
        # As the database keeps it, so what is returned reads the same as what is stored.
        "rate": rate.quantize(Decimal(1).scaleb(-RATE_PLACES)) if rate is not None else None,
        "source": reader.text("source", max_length=100),
    }


def _save(ctx: Context, values: Mapping[str, Any]) -> tuple[ExchangeRate, bool]:
    return ExchangeRate.objects.update_or_create(
        administration=ctx.administration,
        currency=values["currency"],
        rate_date=values["rate_date"],
        defaults={"rate": values["rate"], "source": values["source"],
                  "created_by": ctx.user if ctx.user.is_authenticated else None},
    )


def set_rate(ctx: Context, data: Mapping[str, Any]) -> ExchangeRate:
    """Enter (or correct) the rate of one currency on one day."""
    ctx.require(Action.MANAGE_MASTER_DATA)
    reader = Reader(data)
    values = _read_rate(reader, ctx.administration)
    reader.raise_if_errors()
    with transaction.atomic():
        return _save(ctx, values)[0]


@dataclass
class RateImport:
    created: int = 0
    updated: int = 0


def import_rates_csv(ctx: Context, content: bytes | str) -> RateImport:
    """Rates from a CSV file (currency, date, rate[, source]); every row's problems are
    reported with its line, and nothing is written unless all rows are good."""
    ctx.require(Action.MANAGE_MASTER_DATA)
    rows = read_csv_rows(content, CSV_COLUMNS, REQUIRED_CSV_COLUMNS)
    readers, values = [], []
    for row in rows:
        reader = Reader(row, prefix=f"row {row['_line']}, column ")
        values.append(_read_rate(reader, ctx.administration))
        readers.append(reader)
    raise_all(readers)
    seen: dict[tuple[str, date], str] = {}
    for row, value in zip(rows, values, strict=True):
        key = (value["currency"], value["rate_date"])
        if key in seen:
            raise ValidationFailed(FieldError(f"row {row['_line']}", f"repeats the {key[0]} rate of {key[1]} "
                                                                     f"(row {seen[key]})"))
        seen[key] = row["_line"]
    result = RateImport()
    with transaction.atomic():
        for value in values:
            created = _save(ctx, value)[1]
            result.created += created
            result.updated += not created
    return result


def rates(ctx: Context, currency: str = "") -> QuerySet[ExchangeRate]:
    query = ExchangeRate.objects.filter(administration=ctx.administration)
    return query.filter(currency=currency.upper()) if currency else query


def rate_on(admin: Administration, currency: str, on: date) -> ExchangeRate | None:
    """The rate of `currency` on `on`: that day's, else the last one before it."""
    return (
        ExchangeRate.objects.filter(administration=admin, currency=currency, rate_date__lte=on)
        .order_by("-rate_date")
        .first()
    )


@dataclass(frozen=True)
class Conversion:
    rate: Decimal
    rate_date: date | None


def _original_conversion(invoice: Any) -> Conversion | None:
    """A credit note converts at the rate of the invoice it corrects, so that its VAT in the
    accounting currency reverses that invoice's exactly; read from the batch's rows
    (corrects__currency, corrects__exchange_rate, corrects__exchange_rate_date)."""
    if not getattr(invoice, "corrects_id", None):
        return None
    rate = getattr(invoice, "corrects__exchange_rate", None)
    if rate is None or getattr(invoice, "corrects__currency", None) != invoice.currency:
        return None  # an original issued without a rate: the credit note's own date decides
    return Conversion(rate, getattr(invoice, "corrects__exchange_rate_date", None))


@dataclass
class Conversions:
    """The rates one issue batch needs, read once (one query per foreign currency in it)."""

    admin: Administration
    on: date
    found: dict[str, ExchangeRate | None] = field(default_factory=dict)

    @classmethod
    def for_invoices(cls, admin: Administration, invoices: Iterable[Any], on: date) -> "Conversions":
        conversions = cls(admin, on)
        own_rate = {i.currency for i in invoices if _original_conversion(i) is None}
        for currency in sorted(own_rate - {admin.currency}):
            conversions.found[currency] = rate_on(admin, currency, on)
        return conversions

    def conversion(self, invoice: Any) -> Conversion | None:
        """The rate an invoice converts at: its original's for a credit note, else the issue
        date's; None for the administration's own currency or when no rate is known."""
        if invoice.currency == self.admin.currency:
            return None
        original = _original_conversion(invoice)
        if original is not None:
            return original
        found = self.found.get(invoice.currency)
        return Conversion(found.rate, found.rate_date) if found is not None else None

    def refusal(self, invoice: Any) -> str | None:
        if invoice.currency == self.admin.currency or self.conversion(invoice) is not None:
            return None
        return (
            f"has no exchange rate for {invoice.currency} to {self.admin.currency} on or before "
            f"{self.on.isoformat()}: enter one first"
        )

    def apply(self, invoice: Any) -> None:
        """Sets tax_currency, exchange_rate, its date and tax_total_accounting (BT-6, BT-111)."""
        conversion = self.conversion(invoice)
        if conversion is None:
            invoice.tax_currency, invoice.exchange_rate, invoice.tax_total_accounting = "", None, None
            invoice.exchange_rate_date = None
            return
        invoice.tax_currency = self.admin.currency
        invoice.exchange_rate = conversion.rate
        invoice.exchange_rate_date = conversion.rate_date
        invoice.tax_total_accounting = quantize(invoice.tax_total * conversion.rate, self.admin.currency)
