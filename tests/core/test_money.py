from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.core.money import MINOR_UNITS, ZERO, minor_units, quantize, to_decimal

PROPS = settings(max_examples=200, deadline=None, database=None)


def test_minor_units() -> None:
    assert minor_units("EUR") == 2
    assert minor_units("HUF") == 2
    assert minor_units("JPY") == 0
    assert set(MINOR_UNITS) == {"EUR", "PLN", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "CZK", "HUF", "JPY"}


@pytest.mark.parametrize("code", ["XXX", "eur", ""])
def test_unknown_currency(code: str) -> None:
    with pytest.raises(ValueError, match="unknown currency"):
        minor_units(code)


def test_zero() -> None:
    assert ZERO == 0 and isinstance(ZERO, Decimal)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1.50"), Decimal("1.50")),
        (3, Decimal(3)),
        (" 12.345 ", Decimal("12.345")),
        ("-0.5", Decimal("-0.5")),
        ("1E+2", Decimal(100)),
    ],
)
def test_to_decimal(value: Decimal | int | str, expected: Decimal) -> None:
    result = to_decimal(value)
    assert isinstance(result, Decimal)
    assert result == expected


@pytest.mark.parametrize("value", [1.5, 0.0, True, False, None, [1]])
def test_to_decimal_rejects_types(value: object) -> None:
    with pytest.raises(TypeError):
        to_decimal(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", ["abc", "", "1,5", "NaN", "Infinity", "-inf", Decimal("NaN"), Decimal("Infinity")]
)
def test_to_decimal_rejects_values(value: Decimal | str) -> None:
    with pytest.raises(ValueError):
        to_decimal(value)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.675", "EUR", "2.68"),  # half up, not banker's rounding
        ("2.665", "EUR", "2.67"),
        ("-2.675", "EUR", "-2.68"),  # half away from zero for negatives
        ("2.674999", "EUR", "2.67"),
        ("10", "EUR", "10.00"),
        ("1000.5", "JPY", "1001"),
        ("999.49", "JPY", "999"),
        ("-0.004", "EUR", "0.00"),  # no negative zero
    ],
)
def test_quantize(amount: str, currency: str, expected: str) -> None:
    result = quantize(Decimal(amount), currency)
    assert str(result) == expected


def test_quantize_rejects_float_and_unknown_currency() -> None:
    with pytest.raises(TypeError):
        quantize(1.005, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        quantize(Decimal(1), "ZZZ")


@PROPS
@given(
    amount=st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False),
    currency=st.sampled_from(sorted(MINOR_UNITS)),
)
def test_quantize_never_exceeds_minor_unit(amount: Decimal, currency: str) -> None:
    result = quantize(amount, currency)
    units = minor_units(currency)
    exponent = result.as_tuple().exponent
    assert isinstance(exponent, int)
    assert -exponent == units
    assert abs(result - amount) <= Decimal(1).scaleb(-units) / 2
    assert quantize(result, currency) == result
