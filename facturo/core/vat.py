"""EN 16931 VAT category codes (UNTDID 5305 subset) and their rules."""

from decimal import Decimal
from enum import StrEnum

from facturo.core.money import to_decimal


class VatCategory(StrEnum):
    """VAT category code (BT-151 / BT-118)."""

    S = "S"
    Z = "Z"
    E = "E"
    AE = "AE"
    K = "K"
    G = "G"
    O = "O"  # noqa: E741, RUF100  (the EN 16931 code is the letter O)


CATEGORY_LABELS: dict[VatCategory, str] = {
    VatCategory.S: "Standard rate",
    VatCategory.Z: "Zero rated",
    VatCategory.E: "Exempt from VAT",
    VatCategory.AE: "Reverse charge",
    VatCategory.K: "Intra-community supply",
    VatCategory.G: "Export outside the EU",
    VatCategory.O: "Outside scope of VAT",
}

# VATEX code and text used when the user gives no exemption reason of their own.
DEFAULT_EXEMPTION: dict[VatCategory, tuple[str, str]] = {
    VatCategory.AE: ("VATEX-EU-AE", "Reverse charge"),
    VatCategory.K: ("VATEX-EU-IC", "Intra-Community supply"),
    VatCategory.G: ("VATEX-EU-G", "Export outside the EU"),
    VatCategory.O: ("VATEX-EU-O", "Not subject to VAT"),
    VatCategory.E: (
        "VATEX-EU-132-1I",
        ("Exempt: education and vocational training, Article 132(1)(i) Directive 2006/112/EC"),
    ),
}

_EXEMPTION_REQUIRED = frozenset({VatCategory.E, VatCategory.AE, VatCategory.K, VatCategory.G, VatCategory.O})


def zero_rate_required(cat: VatCategory) -> bool:
    """True when the category's rate must be 0 (every category except S)."""
    return VatCategory(cat) is not VatCategory.S


def exemption_reason_required(cat: VatCategory) -> bool:
    """True when a VAT breakdown in this category needs an exemption reason.

    EN 16931 BR-E-10, BR-AE-10, BR-IC-10, BR-G-10 and BR-O-10.
    """
    return VatCategory(cat) in _EXEMPTION_REQUIRED


def validate_category_rate(cat: VatCategory, rate: Decimal) -> None:
    """Raise ``ValueError`` when ``rate`` (a percentage) is not allowed for ``cat``.

    S needs a rate greater than 0; every other category needs a rate of exactly 0.
    """
    category = VatCategory(cat)
    value = to_decimal(rate)
    label = CATEGORY_LABELS[category]
    if category is VatCategory.S:
        if value <= 0:
            raise ValueError(f"VAT category S ({label}) needs a rate greater than 0, got {value}")
    elif value != 0:
        raise ValueError(f"VAT category {category} ({label}) needs a rate of 0, got {value}")
