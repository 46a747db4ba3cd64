"""Money helpers: currency minor units, strict Decimal conversion and rounding.

Money is always :class:`decimal.Decimal`; floats are rejected with ``TypeError``.
"""

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

MINOR_UNITS: dict[str, int] = {
    "EUR": 2,
    "PLN": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "SEK": 2,
    "DKK": 2,
    "NOK": 2,
    "CZK": 2,
    "HUF": 2,
    "JPY": 0,
}

ZERO = Decimal(0)

# Working precision for intermediate money arithmetic (well above any amount
# an invoice can hold, so only the final quantize step ever rounds).
PRECISION = 60


def minor_units(currency: str) -> int:
    """Number of decimals of ``currency``'s minor unit (ISO 4217 code, upper case)."""
    try:
        return MINOR_UNITS[currency]
    except (KeyError, TypeError):
        raise ValueError(f"unknown currency {currency!r}") from None


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Convert ``value`` to a finite Decimal.

    Raises ``TypeError`` for floats, bools and other types, and ``ValueError`` for
    strings that are not numbers and for NaN or infinite values.
    """
    if isinstance(value, (bool, float)):
        raise TypeError(f"money must be Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise TypeError(f"money must be Decimal, int or str, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half-up to the minor unit of ``currency``.

    A zero result is always returned without sign (``0.00``, never ``-0.00``).
    """
    value = to_decimal(amount)
    exponent = _EXPONENTS.get(currency) or Decimal(1).scaleb(-minor_units(currency))
    result = value.quantize(exponent, context=_ROUNDING)
    if result.is_zero():
        result = result.copy_abs()
    return result


# Built once: totals quantize every amount of every line, thousands of times per run.
_ROUNDING = Context(prec=PRECISION, rounding=ROUND_HALF_UP)
_EXPONENTS = {currency: Decimal(1).scaleb(-places) for currency, places in MINOR_UNITS.items()}
