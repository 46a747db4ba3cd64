"""EN 16931 invoice totals.

Line net amounts (BT-131) are rounded per line; the VAT of each breakdown
(BT-117) is computed once on the category's taxable base (BR-CO-17), never
summed from per-line VAT.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import lru_cache

from facturo.core.money import PRECISION, ZERO, minor_units, quantize, to_decimal
from facturo.core.vat import VatCategory, validate_category_rate

_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineInput:
    """One invoice line. Percentages are given as e.g. ``Decimal("21")`` for 21 %."""

    quantity: Decimal
    unit_price: Decimal
    vat_category: VatCategory
    vat_rate: Decimal
    discount_percent: Decimal = ZERO
    discount_amount: Decimal = ZERO
    price_base_quantity: Decimal = Decimal(1)


@dataclass(frozen=True)
class AllowanceChargeInput:
    """A document level allowance (BG-20) or charge (BG-21); ``amount`` is >= 0."""

    is_charge: bool
    amount: Decimal
    vat_category: VatCategory
    vat_rate: Decimal
    reason: str = ""


@dataclass(frozen=True)
class LineResult:
    gross_amount: Decimal
    allowance_amount: Decimal
    net_amount: Decimal


@dataclass(frozen=True)
class VatBreakdown:
    category: VatCategory
    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class InvoiceTotals:
    lines: tuple[LineResult, ...]
    vat_breakdown: tuple[VatBreakdown, ...]
    line_total: Decimal  # BT-106
    allowance_total: Decimal  # BT-107
    charge_total: Decimal  # BT-108
    tax_exclusive: Decimal  # BT-109
    tax_total: Decimal  # BT-110
    tax_inclusive: Decimal  # BT-112
    prepaid: Decimal  # BT-113
    rounding: Decimal  # BT-114
    payable: Decimal  # BT-115


def _check_rate(where: str, category: VatCategory, rate: Decimal) -> None:
    try:
        _allowed_rate(category, rate)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


# An invoice run checks the same two or three (category, rate) pairs on every line; a pair
# that failed raises each time, as lru_cache keeps no exceptions.
_allowed_rate = lru_cache(maxsize=256)(validate_category_rate)


def _is_zero(value: object) -> bool:
    return type(value) is Decimal and value.is_zero()


def _line_result(index: int, line: LineInput, currency: str) -> LineResult:
    quantity, price = line.quantity, line.unit_price
    if (
        type(quantity) is Decimal
        and type(price) is Decimal
        and quantity.is_finite()
        and price.is_finite()
        and price >= 0
        and _is_zero(line.discount_percent)
        and _is_zero(line.discount_amount)
        and type(line.price_base_quantity) is Decimal
        and line.price_base_quantity == 1
    ):
        # The common line: Decimal quantity and price, no discount, price per one unit. The
        # general path below gives the same amounts; this one skips its conversions and the
        # two roundings of a zero allowance.
        _check_rate(f"line {index + 1}", line.vat_category, line.vat_rate)
        gross = quantize(quantity * price, currency)
        allowance = _zero_allowance(currency)
        return LineResult(gross_amount=gross, allowance_amount=allowance, net_amount=gross - allowance)
    where = f"line {index + 1}"
    quantity = to_decimal(line.quantity)
    price = to_decimal(line.unit_price)
    base = to_decimal(line.price_base_quantity)
    percent = to_decimal(line.discount_percent)
    discount = to_decimal(line.discount_amount)
    _check_rate(where, line.vat_category, line.vat_rate)
    if price < 0:
        raise ValueError(f"{where}: unit price must not be negative (BR-27), got {price}")
    if base <= 0:
        raise ValueError(f"{where}: price base quantity must be greater than 0, got {base}")
    if not 0 <= percent <= _HUNDRED:
        raise ValueError(f"{where}: discount percent must be between 0 and 100, got {percent}")
    if discount < 0:
        raise ValueError(f"{where}: discount amount must not be negative, got {discount}")
    gross = quantize(quantity * price / base, currency)
    allowance = quantize(gross * percent / _HUNDRED, currency) + quantize(discount, currency)
    return LineResult(gross_amount=gross, allowance_amount=allowance, net_amount=gross - allowance)


@lru_cache(maxsize=32)
def _zero_allowance(currency: str) -> Decimal:
    return quantize(ZERO, currency) + quantize(ZERO, currency)


def compute_totals(
    lines: Sequence[LineInput],
    allowances_charges: Sequence[AllowanceChargeInput] = (),
    currency: str = "EUR",
    prepaid: Decimal = ZERO,
    rounding: Decimal = ZERO,
) -> InvoiceTotals:
    """Compute line amounts, the VAT breakdown and the document totals (BG-22).

    Raises ``ValueError`` for an unknown currency, a VAT rate that does not suit
    its category, a negative unit price, base quantity, discount or document
    allowance/charge amount; ``TypeError`` for floats. Negative quantities
    (credit lines) are allowed.
    """
    minor_units(currency)
    zero = quantize(ZERO, currency)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        results = tuple(_line_result(i, line, currency) for i, line in enumerate(lines))

        bases: dict[tuple[VatCategory, Decimal], Decimal] = {}
        for line, result in zip(lines, results, strict=True):
            key = (VatCategory(line.vat_category), to_decimal(line.vat_rate))
            bases[key] = bases.get(key, zero) + result.net_amount

        allowance_total = zero
        charge_total = zero
        for index, item in enumerate(allowances_charges):
            kind = "charge" if item.is_charge else "allowance"
            where = f"document {kind} {index + 1}"
            _check_rate(where, item.vat_category, item.vat_rate)
            amount = quantize(item.amount, currency)
            if amount < 0:
                raise ValueError(f"{where}: amount must not be negative, got {amount}")
            key = (VatCategory(item.vat_category), to_decimal(item.vat_rate))
            signed = amount if item.is_charge else -amount
            bases[key] = bases.get(key, zero) + signed
            if item.is_charge:
                charge_total += amount
            else:
                allowance_total += amount

        breakdown = tuple(
            sorted(
                (
                    VatBreakdown(
                        category=category,
                        rate=rate,
                        taxable_amount=taxable,
                        tax_amount=quantize(taxable * rate / _HUNDRED, currency),
                    )
                    for (category, rate), taxable in bases.items()
                ),
                key=lambda b: (b.category.value, -b.rate),
            )
        )

        line_total = sum((r.net_amount for r in results), zero)
        tax_exclusive = line_total - allowance_total + charge_total
        tax_total = sum((b.tax_amount for b in breakdown), zero)
        tax_inclusive = tax_exclusive + tax_total
        prepaid_amount = quantize(prepaid, currency)
        rounding_amount = quantize(rounding, currency)
        payable = tax_inclusive - prepaid_amount + rounding_amount

    return InvoiceTotals(
        lines=results,
        vat_breakdown=breakdown,
        line_total=line_total,
        allowance_total=allowance_total,
        charge_total=charge_total,
        tax_exclusive=tax_exclusive,
        tax_total=tax_total,
        tax_inclusive=tax_inclusive,
        prepaid=prepaid_amount,
        rounding=rounding_amount,
        payable=payable,
    )
