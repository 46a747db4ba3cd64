from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.core.money import minor_units, quantize
from facturo.core.totals import (
    AllowanceChargeInput,
    InvoiceTotals,
    LineInput,
    LineResult,
    VatBreakdown,
    compute_totals,
)
from facturo.core.vat import VatCategory

PROPS = settings(max_examples=200, deadline=None, database=None)
D = Decimal
S, E, Z = VatCategory.S, VatCategory.E, VatCategory.Z


def test_hand_checked_invoice() -> None:
    lines = [
        # 3 x 19.99 = 59.97; 10 % of it = 5.997 -> 6.00; net 53.97
        LineInput(D("3"), D("19.99"), S, D("21"), discount_percent=D("10")),
        # 1.5 h x 80 = 120.00
        LineInput(D("1.5"), D("80"), S, D("21")),
        # exempt training: 2 x 10 = 20.00
        LineInput(D("2"), D("10"), E, D("0")),
    ]
    doc = [
        AllowanceChargeInput(False, D("10"), S, D("21"), reason="loyalty"),
        AllowanceChargeInput(True, D("5"), S, D("21"), reason="travel"),
    ]
    totals = compute_totals(lines, doc, currency="EUR", prepaid=D("50"))
    assert totals.lines == (
        LineResult(D("59.97"), D("6.00"), D("53.97")),
        LineResult(D("120.00"), D("0.00"), D("120.00")),
        LineResult(D("20.00"), D("0.00"), D("20.00")),
    )
    # S base: 53.97 + 120.00 - 10.00 + 5.00 = 168.97; 21 % = 35.4837 -> 35.48
    assert totals.vat_breakdown == (
        VatBreakdown(E, D("0"), D("20.00"), D("0.00")),
        VatBreakdown(S, D("21"), D("168.97"), D("35.48")),
    )
    assert totals == InvoiceTotals(
        lines=totals.lines,
        vat_breakdown=totals.vat_breakdown,
        line_total=D("193.97"),
        allowance_total=D("10.00"),
        charge_total=D("5.00"),
        tax_exclusive=D("188.97"),
        tax_total=D("35.48"),
        tax_inclusive=D("224.45"),
        prepaid=D("50.00"),
        rounding=D("0.00"),
        payable=D("174.45"),
    )
    assert str(totals.payable) == "174.45"


def test_tax_on_category_base_not_per_line() -> None:
    # per line 0.10 x 25 % = 0.025 -> 0.03, three times 0.09; on the base 0.30 -> 0.075 -> 0.08
    lines = [LineInput(D(1), D("0.10"), S, D("25"))] * 3
    totals = compute_totals(lines)
    assert totals.tax_total == D("0.08")
    assert totals.vat_breakdown[0].tax_amount == D("0.08")


def test_price_base_quantity_and_discount_amount() -> None:
    lines = [
        LineInput(D("250"), D("12.00"), S, D("21"), price_base_quantity=D("1000")),  # 3.00
        LineInput(D("1"), D("100"), S, D("21"), discount_amount=D("12.345")),  # 100 - 12.35
        LineInput(D("3"), D("10"), S, D("21"), price_base_quantity=D("7")),  # 4.2857.. -> 4.29
    ]
    totals = compute_totals(lines)
    assert [r.net_amount for r in totals.lines] == [D("3.00"), D("87.65"), D("4.29")]
    assert totals.lines[1].allowance_amount == D("12.35")


def test_credit_line_negative_quantity() -> None:
    totals = compute_totals([LineInput(D("-2"), D("50"), S, D("21"), discount_percent=D("10"))])
    assert totals.lines[0] == LineResult(D("-100.00"), D("-10.00"), D("-90.00"))
    assert totals.tax_total == D("-18.90")
    assert totals.payable == D("-108.90")


def test_jpy_has_no_decimals() -> None:
    totals = compute_totals([LineInput(D("3"), D("333.5"), S, D("10"))], currency="JPY")
    assert totals.line_total == D("1001")  # 1000.5 rounded half up
    assert totals.tax_total == D("100")  # 100.1
    assert str(totals.payable) == "1101"


def test_rates_equal_in_value_share_a_breakdown() -> None:
    lines = [LineInput(D(1), D(10), S, D("21")), LineInput(D(1), D(10), S, D("21.00"))]
    totals = compute_totals(lines)
    assert len(totals.vat_breakdown) == 1
    assert totals.vat_breakdown[0].taxable_amount == D("20.00")


def test_breakdown_order() -> None:
    lines = [
        LineInput(D(1), D(10), S, D("9")),
        LineInput(D(1), D(10), Z, D("0")),
        LineInput(D(1), D(10), S, D("21")),
        LineInput(D(1), D(10), VatCategory.AE, D("0")),
    ]
    keys = [(b.category, b.rate) for b in compute_totals(lines).vat_breakdown]
    assert keys == [(VatCategory.AE, D(0)), (S, D(21)), (S, D(9)), (Z, D(0))]


def test_document_charge_alone_gets_a_breakdown() -> None:
    totals = compute_totals(
        [LineInput(D(1), D(100), E, D(0))], [AllowanceChargeInput(True, D("7.5"), S, D("21"))]
    )
    assert [(b.category, b.taxable_amount, b.tax_amount) for b in totals.vat_breakdown] == [
        (E, D("100.00"), D("0.00")),
        (S, D("7.50"), D("1.58")),  # 1.575 -> 1.58
    ]


def test_rounding_amount() -> None:
    totals = compute_totals([LineInput(D(1), D("9.98"), Z, D(0))], currency="CHF", rounding=D("0.02"))
    assert totals.payable == D("10.00")


def test_empty_invoice() -> None:
    totals = compute_totals([])
    assert totals.lines == () and totals.vat_breakdown == ()
    assert totals.payable == D("0.00")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (LineInput(D(1), D(1), S, D(0)), "line 1: VAT category S"),
        (LineInput(D(1), D(1), Z, D(21)), "line 1: VAT category Z"),
        (LineInput(D(1), D(-1), S, D(21)), "BR-27"),
        (LineInput(D(1), D(1), S, D(21), price_base_quantity=D(0)), "base quantity"),
        (LineInput(D(1), D(1), S, D(21), discount_percent=D(101)), "discount percent"),
        (LineInput(D(1), D(1), S, D(21), discount_percent=D(-1)), "discount percent"),
        (LineInput(D(1), D(1), S, D(21), discount_amount=D(-1)), "discount amount"),
    ],
)
def test_invalid_lines(line: LineInput, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_totals([line])


def test_invalid_document_level() -> None:
    line = LineInput(D(1), D(100), S, D(21))
    with pytest.raises(ValueError, match="document allowance 1: amount must not be negative"):
        compute_totals([line], [AllowanceChargeInput(False, D("-5"), S, D(21))])
    with pytest.raises(ValueError, match="document charge 1: amount must not be negative"):
        compute_totals([line], [AllowanceChargeInput(True, D("-5"), S, D(21))])
    with pytest.raises(ValueError, match="document allowance 1: VAT category E"):
        compute_totals([line], [AllowanceChargeInput(False, D("5"), E, D(21))])
    with pytest.raises(ValueError, match="unknown currency"):
        compute_totals([line], currency="XYZ")


def test_floats_rejected() -> None:
    with pytest.raises(TypeError):
        compute_totals([LineInput(1.5, D(1), S, D(21))])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compute_totals([LineInput(D(1), D(1), S, 21.0)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compute_totals([LineInput(D(1), D(1), S, D(21))], prepaid=1.0)  # type: ignore[arg-type]


# --- properties -------------------------------------------------------------

STANDARD_RATES = [D("21"), D("19"), D("9"), D("5.5"), D("7.7"), D("25"), D("27")]


def _dec(lo: str, hi: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=D(lo), max_value=D(hi), places=places, allow_nan=False, allow_infinity=False)


@st.composite
def _category_rate(draw: st.DrawFn) -> tuple[VatCategory, Decimal]:
    category = draw(st.sampled_from(list(VatCategory)))
    if category is VatCategory.S:
        return category, draw(st.sampled_from(STANDARD_RATES))
    return category, D(0)


@st.composite
def _line(draw: st.DrawFn) -> LineInput:
    category, rate = draw(_category_rate())
    return LineInput(
        quantity=draw(_dec("-1000", "1000", 3)),
        unit_price=draw(_dec("0", "10000", 4)),
        vat_category=category,
        vat_rate=rate,
        discount_percent=draw(st.one_of(st.just(D(0)), _dec("0", "100", 2))),
        discount_amount=draw(st.one_of(st.just(D(0)), _dec("0", "100", 3))),
        price_base_quantity=draw(st.sampled_from([D(1), D(3), D(10), D(1000)])),
    )


@st.composite
def _allowance_charge(draw: st.DrawFn) -> AllowanceChargeInput:
    category, rate = draw(_category_rate())
    return AllowanceChargeInput(draw(st.booleans()), draw(_dec("0", "500", 2)), category, rate)


def _decimals_ok(value: Decimal, units: int) -> bool:
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and -exponent == units


@PROPS
@given(
    lines=st.lists(_line(), min_size=1, max_size=8),
    doc=st.lists(_allowance_charge(), max_size=4),
    currency=st.sampled_from(["EUR", "JPY", "HUF"]),
    prepaid=_dec("0", "1000", 2),
    rounding=_dec("-0.05", "0.05", 2),
)
def test_totals_invariants(
    lines: list[LineInput],
    doc: list[AllowanceChargeInput],
    currency: str,
    prepaid: Decimal,
    rounding: Decimal,
) -> None:
    t = compute_totals(lines, doc, currency=currency, prepaid=prepaid, rounding=rounding)
    units = minor_units(currency)

    assert t.tax_inclusive == t.tax_exclusive + t.tax_total
    assert t.tax_exclusive == t.line_total - t.allowance_total + t.charge_total
    assert sum(b.taxable_amount for b in t.vat_breakdown) == t.tax_exclusive
    assert sum(b.tax_amount for b in t.vat_breakdown) == t.tax_total
    assert t.payable == t.tax_inclusive - t.prepaid + t.rounding
    for b in t.vat_breakdown:
        assert b.tax_amount == quantize(b.taxable_amount * b.rate / 100, currency)
    assert t.line_total == sum(r.net_amount for r in t.lines)
    for r in t.lines:
        assert r.net_amount == r.gross_amount - r.allowance_amount
    assert t.allowance_total == sum(quantize(d.amount, currency) for d in doc if not d.is_charge)
    assert t.charge_total == sum(quantize(d.amount, currency) for d in doc if d.is_charge)

    keys = [(b.category, b.rate) for b in t.vat_breakdown]
    assert len(set(keys)) == len(keys)
    assert keys == sorted(keys, key=lambda k: (k[0].value, -k[1]))

    amounts = [
        t.line_total,
        t.allowance_total,
        t.charge_total,
        t.tax_exclusive,
        t.tax_total,
        t.tax_inclusive,
        t.prepaid,
        t.rounding,
        t.payable,
    ]
    amounts += [a for r in t.lines for a in (r.gross_amount, r.allowance_amount, r.net_amount)]
    amounts += [a for b in t.vat_breakdown for a in (b.taxable_amount, b.tax_amount)]
    assert all(_decimals_ok(a, units) for a in amounts)


@PROPS
@given(lines=st.lists(_line(), min_size=1, max_size=6))
def test_line_order_does_not_matter(lines: list[LineInput]) -> None:
    forward = compute_totals(lines)
    backward = compute_totals(list(reversed(lines)))
    assert forward.vat_breakdown == backward.vat_breakdown
    assert forward.payable == backward.payable


@PROPS
@given(
    lines=st.lists(_line(), min_size=1, max_size=6),
    currency=st.sampled_from(["EUR", "JPY"]),
)
def test_lines_without_discount_take_the_short_path_to_the_same_amounts(lines: list[LineInput], currency: str) -> None:
    # Lines of Decimals without a discount, priced per one unit, skip the general path's
    # conversions; an int base quantity of 1 sends the same line down the general path.
    plain = [
        replace(line, discount_percent=D(0), discount_amount=D("0.000"), price_base_quantity=D(1)) for line in lines
    ]
    general = [replace(line, price_base_quantity=1) for line in plain]
    short, long = compute_totals(plain, currency=currency), compute_totals(general, currency=currency)
    assert short == long
    assert [str(r.net_amount) for r in short.lines] == [str(r.net_amount) for r in long.lines]
    assert [str(r.allowance_amount) for r in short.lines] == [str(r.allowance_amount) for r in long.lines]
    assert str(short.tax_inclusive) == str(long.tax_inclusive)


def test_a_line_without_discount_still_refuses_a_rate_its_category_does_not_allow() -> None:
    for _ in range(2):  # the second time from the checked pairs' cache
        with pytest.raises(ValueError, match="line 1: VAT category S"):
            compute_totals([LineInput(D("1"), D("10"), S, D("0"))])
