"""Use cases for charges: create (one, a batch, a CSV file), defer, skip, reopen, list.

Sources call `create_charges`; invoicing reads open charges. A batch is all or nothing:
every bad row is reported with its place, and nothing is written unless all rows are good.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from facturo.administrations.access import Action, Context
from facturo.catalog.models import Item
from facturo.catalog.services import RateTable, kinds_for
from facturo.core.errors import FieldError
from facturo.core.money import ZERO
from facturo.core.units import is_valid_unit
from facturo.core.vat import VatCategory
from facturo.errors import Conflict, NotFound, ValidationFailed
from facturo.inputs import Reader, read_csv_rows
from facturo.parties.models import Customer, Site

from .models import Charge, ChargeState

CSV_COLUMNS = (
    "reference",
    "customer",
    "item",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount_percent",
    "vat_category",
    "vat_rate",
    "service_date",
    "period_start",
    "period_end",
    "site",
    "contract_reference",
)
REQUIRED_CSV_COLUMNS = ("reference", "customer", "quantity")


def unique_key(source_kind: str, source_id: str, period_start: date | None, period_end: date | None) -> str:
    start = period_start.isoformat() if period_start else ""
    end = period_end.isoformat() if period_end else ""
    return f"{source_kind}:{source_id}:{start}:{end}"


@dataclass
class _Lookups:
    """What a batch needs from the database, fetched once for all its rows."""

    ctx: Context
    customers: dict[str, Customer] = field(default_factory=dict)
    customers_by_id: dict[int, Customer] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)

    @classmethod
    def for_rows(cls, ctx: Context, rows: Sequence[Mapping[str, Any]]) -> "_Lookups":
        admin = ctx.administration
        lookups = cls(ctx)
        numbers = {str(r["customer"]).strip() for r in rows if r.get("customer")}
        ids = {int(r["customer_id"]) for r in rows if str(r.get("customer_id") or "").isdigit()}
        for chunk in _chunks(sorted(numbers), 500):
            for c in Customer.objects.filter(administration=admin, number__in=chunk):
                lookups.customers[c.number] = c
        for chunk in _chunks(sorted(ids), 500):
            for c in Customer.objects.filter(administration=admin, pk__in=chunk):
                lookups.customers_by_id[c.pk] = c
        codes = {str(r["item"]).strip() for r in rows if r.get("item")}
        for chunk in _chunks(sorted(codes), 500):
            for i in Item.objects.filter(administration=admin, code__in=chunk):
                lookups.items[i.code] = i
        site_codes = {str(r["site"]).strip() for r in rows if r.get("site")}
        for chunk in _chunks(sorted(site_codes), 500):
            for s in Site.objects.filter(administration=admin, code__in=chunk):
                lookups.sites[s.code] = s
        return lookups


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _read_charge(
    reader: Reader, lookups: _Lookups, rates: RateTable, source_kind: str, today: date
) -> Charge | None:
    """One validated, unsaved charge, or None with the reader holding the errors."""
    customer: Customer | None = None
    if reader.has("customer_id"):
        customer_id = reader.integer("customer_id")
        customer = lookups.customers_by_id.get(customer_id or -1)
        if customer is None and customer_id is not None:
            reader.error("customer_id", f"no customer with id {customer_id} in this administration")
    else:
        number = reader.text("customer", required=True, max_length=20)
        customer = lookups.customers.get(number)
        if customer is None and number:
            reader.error("customer", f"no customer {number!r} in this administration")

    item: Item | None = None
    item_code = reader.text("item", max_length=30)
    if item_code:
        item = lookups.items.get(item_code)
        if item is None:
            reader.error("item", f"no item {item_code!r} in this administration")
        elif not item.is_active:
            reader.error("item", f"item {item_code!r} is no longer active")

    language = customer.language if customer else "en"
    description = reader.text("description", required=item is None and not item_code, max_length=300)
    if not description and item is not None:
        description = item.name(language)

    quantity = reader.decimal("quantity", required=True)
    if quantity is not None and quantity <= 0:
        reader.error("quantity", "must be greater than 0 (corrections go through a credit note)")
    unit = reader.text("unit", max_length=3, default=item.unit if item else "C62").upper()
    if not is_valid_unit(unit):
        reader.error("unit", f"{unit!r} is not a UN/ECE Recommendation 20 unit code we know")
    unit_price = reader.decimal(
        "unit_price",
        required=item is None and not item_code,
        min_value=ZERO,
        default=item.default_price if item else None,
    )
    discount = reader.decimal(
        "discount_percent", default=ZERO, min_value=ZERO, max_value=Decimal(100), places=2
    )

    service_date = reader.date("service_date")
    period_start = reader.date("period_start")
    period_end = reader.date("period_end")
    if period_start and period_end and period_end < period_start:
        reader.error("period_end", "is before period_start")
    if bool(period_start) != bool(period_end) and not reader.errors:
        reader.error("period_end" if period_start else "period_start", "a service period needs both ends")
    tax_date = service_date or period_end or period_start or today

    categories = [c.value for c in VatCategory]
    category = reader.choice("vat_category", categories, default=item.vat_category if item else "")
    if not category and not reader.has("vat_category") and not item_code:
        reader.error("vat_category", "is required without an item")
    rate: Decimal | None
    if reader.has("vat_rate"):
        rate = reader.decimal("vat_rate", min_value=ZERO, max_value=Decimal(100), places=2)
        if rate is not None and category:
            allowed = rates.allowed_rates(category, tax_date)
            if rate.normalize() not in allowed:
                shown = ", ".join(f"{a}%" for a in sorted(allowed)) or "none"
                reader.error(
                    "vat_rate",
                    f"{rate}% is not a {category} rate in {rates.country} on {tax_date.isoformat()} "
                    f"(valid: {shown})",
                )
    elif category:
        kind = item.vat_kind if item and item.vat_category == category else sorted(kinds_for(category))[0]
        if category == VatCategory.S and kind not in kinds_for(category):
            kind = "standard"
        rate = rates.rate(category, kind, tax_date)
        if rate is None:
            reader.error("vat_rate", f"no {kind} rate in {rates.country} on {tax_date.isoformat()}")
    else:
        rate = None

    site: Site | None = None
    site_code = reader.text("site", max_length=30)
    if site_code:
        site = lookups.sites.get(site_code)
        if site is None:
            reader.error("site", f"no site {site_code!r} in this administration")
        elif customer is not None and site.customer_id != customer.pk:
            reader.error("site", f"site {site_code!r} belongs to another customer")
    contract_reference = reader.text("contract_reference", max_length=60)
    source_id = reader.text("reference", required=source_kind == "import", max_length=60) or uuid.uuid4().hex

    if reader.errors or customer is None or quantity is None or unit_price is None or rate is None:
        return None
    return Charge(
        administration=lookups.ctx.administration,
        customer=customer,
        item=item,
        description=description,
        quantity=quantity,
        unit=unit,
        unit_price=unit_price,
        discount_percent=discount or ZERO,
        currency=customer.currency,
        vat_category=category,
        vat_rate=rate,
        service_date=service_date,
        period_start=period_start,
        period_end=period_end,
        site=site,
        contract_reference=contract_reference,
        source_kind=source_kind,
        source_id=source_id,
        unique_key=unique_key(source_kind, source_id, period_start, period_end),
    )


@dataclass(frozen=True)
class BatchResult:
    created: list[Charge]
    already_present: list[str]


def create_charges(
    ctx: Context, rows: Sequence[Mapping[str, Any]], *, source_kind: str, path: str = "rows[{i}]."
) -> BatchResult:
    """Create a batch of charges all or nothing.

    A row whose unique key exists already is reported in `already_present` and not
    created again, so importing the same file twice creates each charge once."""
    ctx.require(Action.MANAGE_CHARGES)
    lookups = _Lookups.for_rows(ctx, rows)
    rates = RateTable(ctx.administration.country)
    today = timezone.localdate()
    readers: list[Reader] = []
    charges: list[Charge] = []
    first_row_of_key: dict[str, int] = {}
    def place(index: int) -> str:
        return path.format(i=index, n=index + 1, line=rows[index].get("_line", index + 1))

    for index, row in enumerate(rows):
        reader = Reader(row, prefix=place(index))
        readers.append(reader)
        charge = _read_charge(reader, lookups, rates, source_kind, today)
        if charge is None:
            continue
        if charge.unique_key in first_row_of_key:
            earlier = place(first_row_of_key[charge.unique_key]).removesuffix(", column ").rstrip(".")
            reader.error("reference", f"repeats the reference of {earlier}")
            continue
        first_row_of_key[charge.unique_key] = index
        charges.append(charge)
    errors = [e for r in readers for e in r.errors]
    if errors:
        raise ValidationFailed(errors)

    existing: set[str] = set()
    keys = [c.unique_key for c in charges]
    for chunk in _chunks(keys, 500):
        existing.update(
            Charge.objects.filter(administration=ctx.administration, unique_key__in=chunk).values_list(
                "unique_key", flat=True
            )
        )
    new = [c for c in charges if c.unique_key not in existing]
    try:
        with transaction.atomic():
            created = Charge.objects.bulk_create(new, batch_size=1000)
    except IntegrityError:
        # A concurrent import took some of the same keys between our check and our insert.
        raise Conflict(
            "some of these charges were created at the same moment by another import; run it again"
        )
    return BatchResult(created=created, already_present=sorted(existing))


def create_charge(ctx: Context, data: Mapping[str, Any], *, source_kind: str = "manual") -> Charge:
    result = create_charges(ctx, [data], source_kind=source_kind, path="")
    if result.already_present:
        charge = Charge.objects.get(administration=ctx.administration, unique_key=result.already_present[0])
        return charge
    return result.created[0]


def parse_charges_csv(content: bytes | str) -> list[dict[str, str]]:
    """CSV rows as dicts; structural problems (encoding, header, width) raise with their place."""
    return read_csv_rows(content, CSV_COLUMNS, REQUIRED_CSV_COLUMNS)


def import_charges_csv(ctx: Context, content: bytes | str) -> BatchResult:
    """Import a CSV file of charges; errors name the file's line and the column."""
    ctx.require(Action.MANAGE_CHARGES)
    return create_charges(ctx, parse_charges_csv(content), source_kind="import", path="row {line}, column ")


def get_charge(ctx: Context, charge_id: int, *, for_update: bool = False) -> Charge:
    ctx.require(Action.VIEW)
    query = Charge.objects.filter(administration=ctx.administration, pk=charge_id)
    if for_update:
        query = query.select_for_update(of=("self",))
    charge = query.select_related("customer", "site", "item").first()
    if charge is None:
        raise NotFound(f"charge {charge_id} not found")
    return charge


def defer_charge(ctx: Context, charge_id: int, until: date) -> Charge:
    ctx.require(Action.MANAGE_CHARGES)
    with transaction.atomic():
        charge = get_charge(ctx, charge_id, for_update=True)
        if charge.state not in (ChargeState.OPEN, ChargeState.DEFERRED):
            raise Conflict(f"a {charge.state} charge cannot be deferred")
        charge.state, charge.deferred_until, charge.skip_reason = ChargeState.DEFERRED, until, ""
        charge.save(update_fields=["state", "deferred_until", "skip_reason"])
        return charge


def skip_charge(ctx: Context, charge_id: int, reason: str) -> Charge:
    ctx.require(Action.MANAGE_CHARGES)
    if not reason.strip():
        raise ValidationFailed([FieldError("reason", "is required to skip a charge")])
    with transaction.atomic():
        charge = get_charge(ctx, charge_id, for_update=True)
        if charge.state not in (ChargeState.OPEN, ChargeState.DEFERRED):
            raise Conflict(f"a {charge.state} charge cannot be skipped")
        charge.state, charge.skip_reason, charge.deferred_until = (
            ChargeState.SKIPPED,
            reason.strip()[:200],
            None,
        )
        charge.save(update_fields=["state", "deferred_until", "skip_reason"])
        return charge


def reopen_charge(ctx: Context, charge_id: int) -> Charge:
    ctx.require(Action.MANAGE_CHARGES)
    with transaction.atomic():
        charge = get_charge(ctx, charge_id, for_update=True)
        if charge.state not in (ChargeState.DEFERRED, ChargeState.SKIPPED):
            raise Conflict(f"a {charge.state} charge cannot be reopened")
        charge.state, charge.skip_reason, charge.deferred_until = ChargeState.OPEN, "", None
        charge.save(update_fields=["state", "deferred_until", "skip_reason"])
        return charge


def charges(
    ctx: Context, state: str = "", customer_id: int | None = None, search: str = ""
) -> QuerySet[Charge]:
    ctx.require(Action.VIEW)
    query = Charge.objects.filter(administration=ctx.administration).select_related("customer", "site")
    if state:
        query = query.filter(state=state)
    if customer_id:
        query = query.filter(customer_id=customer_id)
    if search:
        query = query.filter(
            Q(description__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(source_id__startswith=search)
        )
    return query.order_by("-id")
