"""Exchange rates of an administration: what issuing converts a foreign-currency invoice's
VAT total with (BT-111)."""

from datetime import date

from django.http import HttpRequest
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from facturo.invoicing import exchange
from facturo.invoicing.models import ExchangeRate

from ..pagination import MAX_LIMIT, Page, paginate
from ..schemas import DateIn, DecimalIn, In
from .common import context, errors

router = Router(tags=["exchange rates"])


class RateIn(In):
    currency: str = Field(description="ISO 4217 code of the foreign currency")
    date: DateIn = Field(description="The rate holds from this day until the next rate of the currency")
    rate: DecimalIn = Field(description="Units of the administration's currency for one unit of `currency`")
    source: str | None = Field(None, max_length=100, description="e.g. ECB, NBP table 224/A/2026")


class RateOut(Schema):
    id: int
    currency: str
    date: date
    rate: str
    source: str


class RateImportOut(Schema):
    created: int
    updated: int


def _out(rate: ExchangeRate) -> RateOut:
    return RateOut(id=rate.pk, currency=rate.currency, date=rate.rate_date, rate=str(rate.rate), source=rate.source)


@router.get("/{admin}/exchange-rates", response={200: Page[RateOut], **errors()}, summary="List exchange rates")
def list_rates(
    request: HttpRequest,
    admin: str,
    currency: str = "",
    limit: int | None = Query(None, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    cursor: str | None = None,
):
    return paginate(exchange.rates(context(request, admin), currency), limit, cursor, _out)


@router.post("/{admin}/exchange-rates", response={201: RateOut, **errors()},
             summary="Enter the rate of a currency on a day (replaces that day's rate)")
def set_rate(request: HttpRequest, admin: str, payload: RateIn):
    rate = exchange.set_rate(context(request, admin), payload.model_dump(exclude_unset=True))
    return Status(201, _out(rate))


@router.post("/{admin}/exchange-rates/import", response={201: RateImportOut, **errors()},
             summary="Import rates from a CSV file (currency, date, rate[, source]); all rows or none")
def import_rates(request: HttpRequest, admin: str, file: File[UploadedFile]):  # type: ignore[type-arg]
    result = exchange.import_rates_csv(context(request, admin), file.read())
    return Status(201, RateImportOut(created=result.created, updated=result.updated))
