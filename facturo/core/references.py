"""Structured payment references.

* ISO 11649 creditor reference ("RF" reference), usable in any SEPA country;
* Belgian structured communication (``+++ddd/dddd/ddddd+++``);
* Dutch payment reference (betalingskenmerk), 16-digit form.
"""

import re

_RF_BASE = re.compile(r"[0-9A-Z]{1,21}")
_RF_FULL = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")

# Weights for the 15 payload digits, applied from the rightmost digit leftward
# (powers of 2 modulo 11, repeating after ten positions).
_NL_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1, 2, 4, 8, 5, 10)


def _check_int(base: int, limit: int) -> None:
    if isinstance(base, bool) or not isinstance(base, int):
        raise TypeError(f"reference base must be an int, not {type(base).__name__}")
    if not 0 <= base < limit:
        raise ValueError(f"reference base must be between 0 and {limit - 1}, got {base}")


def _mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 remainder, letters mapped A=10 ... Z=35."""
    return int("".join(str(int(char, 36)) for char in text)) % 97


def rf_reference(base: str) -> str:
    """ISO 11649 reference in electronic form, e.g. ``rf_reference("539007547034")``
    is ``"RF18539007547034"``.

    ``base`` must be 1 to 21 characters of 0-9 and A-Z (upper case).
    """
    if not isinstance(base, str):
        raise TypeError(f"RF reference base must be a str, not {type(base).__name__}")
    if not _RF_BASE.fullmatch(base):
        raise ValueError(f"RF reference base must be 1 to 21 characters 0-9 or A-Z, got {base!r}")
    check = 98 - _mod97(base + "RF00")
    return f"RF{check:02d}{base}"


def is_valid_rf(ref: str) -> bool:
    """Whether ``ref`` is a valid ISO 11649 reference (spaces and lower case allowed)."""
    if not isinstance(ref, str):
        return False
    compact = ref.replace(" ", "").upper()
    if not _RF_FULL.fullmatch(compact):
        return False
    return _mod97(compact[4:] + compact[:4]) == 1


def be_structured(base: int) -> str:
    """Belgian structured communication for ``0 <= base < 10**10``.

    The check number is ``base mod 97``, or 97 when that is 0.
    """
    _check_int(base, 10**10)
    check = base % 97 or 97
    digits = f"{base:010d}{check:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def is_valid_be_structured(ref: str) -> bool:
    """Whether ``ref`` is a valid Belgian structured communication.

    Accepts ``+++ddd/dddd/ddddd+++``, the ``***`` variant, and the bare
    12 digits (slashes and spaces are ignored).
    """
    if not isinstance(ref, str):
        return False
    text = ref.strip()
    for delimiter in ("+++", "***"):
        if len(text) > 6 and text.startswith(delimiter) and text.endswith(delimiter):
            text = text[3:-3]
            break
    digits = text.replace("/", "").replace(" ", "")
    if not _TWELVE_DIGITS.fullmatch(digits):
        return False
    return (int(digits[:10]) % 97 or 97) == int(digits[10:])


def _nl_check_digit(payload: str) -> int:
    total = sum(int(digit) * weight for digit, weight in zip(reversed(payload), _NL_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return 1
    return check


def nl_payment_reference(base: int) -> str:
    """16-digit Dutch payment reference: check digit + 15-digit zero-padded ``base``.

    Note the scheme maps both remainders 1 and 10 to check digit 1, so it does
    not catch every single-digit error (see the tests).
    """
    _check_int(base, 10**15)
    payload = f"{base:015d}"
    return f"{_nl_check_digit(payload)}{payload}"


def is_valid_nl_payment_reference(ref: str) -> bool:
    """Whether ``ref`` is a valid 16-digit Dutch payment reference (spaces allowed)."""
    if not isinstance(ref, str):
        return False
    digits = ref.replace(" ", "")
    if not _SIXTEEN_DIGITS.fullmatch(digits):
        return False
    return int(digits[0]) == _nl_check_digit(digits[1:])


def payment_reference_for(country: str, base: int) -> str:
    """The usual structured reference for a creditor in ``country`` (ISO 3166 alpha-2).

    NL: Dutch betalingskenmerk; BE: Belgian structured communication;
    anything else: ISO 11649 RF reference of ``str(base)``.
    """
    code = country.strip().upper()
    if code == "NL":
        return nl_payment_reference(base)
    if code == "BE":
        return be_structured(base)
    _check_int(base, 10**21)
    return rf_reference(str(base))
