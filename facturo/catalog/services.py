"""Use cases for the catalog: items, and VAT rates by country and date."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from facturo.administrations.access import Action, Context
from facturo.core.errors import FieldError
from facturo.core.money import ZERO
from facturo.core.units import is_valid_unit
from facturo.core.vat import VatCategory
from facturo.errors import NotFound, ValidationFailed
from facturo.inputs import Reader, text_problem
from facturo.ledger.models import Account, AccountKind

from .models import Item, RateKind, VatExemption, VatRate

KINDS_FOR_CATEGORY = {
    VatCategory.S: {RateKind.STANDARD, RateKind.REDUCED, RateKind.SUPER_REDUCED},
    VatCategory.Z: {RateKind.ZERO},
}


def kinds_for(category: str) -> set[str]:
    return set(KINDS_FOR_CATEGORY.get(VatCategory(category), {RateKind.NONE}))


class RateTable:
    """All rates of one country in memory, for runs that resolve thousands of lines."""

    def __init__(self, country: str) -> None:
        self.country = country
        self.rows = list(VatRate.objects.filter(country=country).order_by("-valid_from"))

    def rate(self, category: str, kind: str, on: date) -> Decimal | None:
        if category != VatCategory.S:
            return ZERO
        for row in self.rows:
            if row.kind == kind and row.valid_from <= on and (row.valid_to is None or row.valid_to >= on):
                return row.rate
        return None

    def allowed_rates(self, category: str, on: date) -> set[Decimal]:
        if category != VatCategory.S:
            return {ZERO}
        return {
            r.rate.normalize()
            for r in self.rows
            if r.category == category and r.valid_from <= on and (r.valid_to is None or r.valid_to >= on)
        }


def exemption_for(category: str, language: str) -> tuple[str, str]:
    """The VATEX code and the reason text in the language, for categories that need one."""
    if category in (VatCategory.S, VatCategory.Z):
        return "", ""
    rows = {e.language: e for e in VatExemption.objects.filter(category=category)}
    row = rows.get(language) or rows.get("en")
    return (row.code, row.text) if row else ("", "")


def _read_item(ctx: Context, reader: Reader, current: Item | None) -> dict[str, Any]:
    def present(name: str) -> bool:
        return current is None or name in reader.data

    values: dict[str, Any] = {}
    if present("code"):
        values["code"] = reader.text("code", required=True, max_length=30)
    if present("names"):
        names = reader.data.get("names") or {}
        if not isinstance(names, Mapping) or not names:
            reader.error("names", 'needs at least one name, e.g. {"en": "Maintenance visit"}')
        else:
            values["names"] = {str(k): str(v).strip() for k, v in names.items() if str(v).strip()}
            for language, name in values["names"].items():
                problem = text_problem(language) or text_problem(name)
                if problem:
                    reader.error("names" if text_problem(language) else f"names.{language}", problem)
            if not values["names"]:
                reader.error("names", "needs at least one name")
    if present("unit"):
        unit = reader.text("unit", max_length=3, default="C62").upper()
        if not is_valid_unit(unit):
            reader.error("unit", f"{unit!r} is not a UN/ECE Recommendation 20 unit code we know")
        values["unit"] = unit
    if present("default_price"):
        values["default_price"] = reader.decimal("default_price", default=ZERO, min_value=ZERO)
    if present("vat_category"):
        values["vat_category"] = reader.choice("vat_category", [c.value for c in VatCategory], default="S")
    category = values.get("vat_category") or (current.vat_category if current else "S")
    if present("vat_kind"):
        default_kind = RateKind.STANDARD if category == VatCategory.S else sorted(kinds_for(category))[0]
        values["vat_kind"] = reader.choice("vat_kind", RateKind.values, default=default_kind)
    kind = values.get("vat_kind") or (current.vat_kind if current else RateKind.STANDARD)
    if kind not in kinds_for(category):
        reader.error("vat_kind", f"{kind!r} does not go with VAT category {category}")
    if present("revenue_account"):
        code = reader.text("revenue_account", max_length=20)
        values["revenue_account"] = None
        if code:
            account = Account.objects.filter(
                administration=ctx.administration, code=code, kind=AccountKind.REVENUE
            ).first()
            if account is None:
                reader.error("revenue_account", f"{code!r} is not a revenue account of this administration")
            values["revenue_account"] = account
    if present("is_active"):
        values["is_active"] = reader.boolean("is_active", default=True)
    return values


def create_item(ctx: Context, data: Mapping[str, Any]) -> Item:
    ctx.require(Action.MANAGE_MASTER_DATA)
    reader = Reader(data)
    values = _read_item(ctx, reader, None)
    reader.raise_if_errors()
    try:
        with transaction.atomic():
            return Item.objects.create(administration=ctx.administration, **values)
    except IntegrityError:
        raise ValidationFailed([FieldError("code", f"item code {values['code']!r} is taken")]) from None


def update_item(ctx: Context, item_id: int, data: Mapping[str, Any]) -> Item:
    ctx.require(Action.MANAGE_MASTER_DATA)
    with transaction.atomic():
        item = get_item(ctx, item_id)
        reader = Reader(data)
        values = _read_item(ctx, reader, item)
        reader.raise_if_errors()
        for name, value in values.items():
            setattr(item, name, value)
        try:
            with transaction.atomic():
                item.save()
        except IntegrityError:
            raise ValidationFailed([FieldError("code", "item code is taken")]) from None
        return item


def get_item(ctx: Context, item_id: int) -> Item:
    ctx.require(Action.VIEW)
    item = Item.objects.filter(administration=ctx.administration, pk=item_id).first()
    if item is None:
        raise NotFound(f"item {item_id} not found")
    return item


def items(ctx: Context, search: str = "") -> QuerySet[Item]:
    ctx.require(Action.VIEW)
    query = Item.objects.filter(administration=ctx.administration).select_related("revenue_account")
    if search:
        query = query.filter(Q(code__istartswith=search) | Q(names__icontains=search))
    return query.order_by("code")


def vat_rates(country: str) -> QuerySet[VatRate]:
    return VatRate.objects.filter(country=country).order_by("category", "-rate", "-valid_from")
